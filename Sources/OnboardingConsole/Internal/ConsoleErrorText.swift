import Foundation
import OnboardingEngine

/// Words for an error a person may read: the library's own messages, never a type's name or a dump.
enum ConsoleErrorText {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as EngineError: error.message
        case let error as JournalError: error.message
        case let error as ConsoleError: error.message
        default: "An unexpected error stopped the action; nothing was written. The server's log has the detail."
        }
    }
}

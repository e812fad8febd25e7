import Foundation

/// An error a task threw that is neither a `TaskInterruption` nor an `EngineError`, in words for
/// support staff: a decoding failure says which field, a `LocalizedError` its description, a file
/// error the system's reason; never Swift's `DecodingError`/`CodingKeys` dump or
/// "NSCocoaErrorDomain error 256". Anything else keeps its own description.
enum ErrorWords {
    static func describe(_ error: any Error) -> String {
        if error is DecodingError { return "A value could not be read: \(DecodingProblem.describe(error))." }
        if error is EncodingError { return "A value could not be written as JSON." }
        if let localized = error as? any LocalizedError, let description = localized.errorDescription { return description }
        if error is CocoaError || error is POSIXError {
            let error = error as NSError
            let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
            let path = error.userInfo[NSFilePathErrorKey] as? String
            if let posix = [error, underlying].compactMap({ $0 }).first(where: { $0.domain == NSPOSIXErrorDomain }) {
                let reason = String(cString: strerror(Int32(posix.code)))
                return path.map { "\($0): \(reason)" } ?? reason
            }
            return path.map { "The file \($0) could not be read or written." } ?? "A file could not be read or written."
        }
        return String(describing: error)
    }
}

import Foundation

/// What went wrong with a file, in the system's words ("Is a directory", "No such file or
/// directory", "Permission denied"), never Foundation's "NSCocoaErrorDomain error 256".
enum FileProblem {
    /// The reason `error` (thrown by Foundation for a file) gives, in words.
    static func describe(_ error: any Error) -> String {
        let error = error as NSError
        // The underlying error is stored as any Error (a POSIXError on Linux), so it is bridged here.
        let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        if let posix = [error, underlying].compactMap({ $0 }).first(where: { $0.domain == NSPOSIXErrorDomain }) {
            return String(cString: strerror(Int32(posix.code)))
        }
        guard error.domain == NSCocoaErrorDomain else { return "It could not be read or written" }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
        case .fileWriteOutOfSpace: return "No space left on device"
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "It is not UTF-8 text"
        default: return "It could not be read or written"
        }
    }
}

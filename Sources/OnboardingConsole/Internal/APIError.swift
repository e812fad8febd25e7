import Foundation
import HTTPTypes
import Hummingbird
import OnboardingEngine

/// An error answer of the console's API: a status and `{"error": {"code": …, "message": …}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// Seconds for `Retry-After` (a 429).
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    static let unauthenticated = APIError(
        .unauthorized, "unauthenticated", "Sign in: send HTTP Basic credentials of a console user, or a session cookie.")
    static let forbidden = APIError(.forbidden, "forbidden", "Your role may look but not act; nothing was written.")
    static let csrfRejected = APIError(
        .forbidden, "csrfRejected",
        "The request carries a session cookie but not the session's X-CSRF-Token header; nothing was written.")

    /// Too many failed sign-ins for a name or from an address: try again in `seconds`.
    static func tooManySignIns(_ seconds: Int) -> APIError {
        APIError(.tooManyRequests, "tooManySignIns", "Too many failed sign-ins; try again in \(seconds) seconds.", retryAfter: seconds)
    }

    /// The answer for an error an action or read threw.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as EngineError:
            let status: HTTPResponse.Status =
                switch error.code {
                case .unknownRun, .unknownTask: .notFound
                case .invalidState, .runLeased, .unknownWorkflow, .runExists, .graphChanged: .conflict
                case .outputRequired, .invalidValue: .unprocessableContent
                default: .internalServerError
                }
            return APIError(status, error.code.name, error.message)
        case let error as ConsoleError:
            return APIError(.badRequest, error.code.name, error.message)
        case let error as JournalError:
            return APIError(.serviceUnavailable, "journal", error.message)
        default:
            return APIError(.internalServerError, "internal", ConsoleErrorText.describe(error))
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"onboard console\", charset=\"UTF-8\"" }
        let body = ["error": ["code": code, "message": message]]
        let data = (try? JSONEncoder.console.encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// Keys sorted, dates in ISO 8601: the console's JSON, as `onboard --json` writes it.
    static var console: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

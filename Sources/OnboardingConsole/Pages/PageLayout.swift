import Foundation
import HTTPTypes
import Hummingbird

/// The frame every console page shares: the document head (one same-origin stylesheet and script,
/// nothing inline, so the CSP holds), the header with the signed-in user and sign-out, and the
/// helpers that answer with a page or a redirect.
enum PageLayout {
    /// A whole page. `body` is HTML already escaped; `title` is escaped here.
    static func document(
        title: String, user: ConsoleUser?, csrfToken: String?, notice: String? = nil, body: String,
        bodyData: [String: String] = [:]
    ) -> String {
        var header = "<header><a class=\"brand\" href=\"/runs\">Onboarding support console</a>"
        if let user {
            header +=
                "<nav class=\"site\" id=\"site-nav\">"
                + navigation.map { "<a href=\"\($0.path)\">\(HTML.escape($0.label))</a>" }.joined() + "</nav>"
            header +=
                "<span class=\"who\">Signed in as <strong>\(HTML.escape(user.name))</strong> (\(HTML.escape(user.role.rawValue)))</span>"
            if let csrfToken {
                header += """
                    <form class="sign-out" method="post" action="/sign-out">\(csrfField(csrfToken))\
                    <button type="submit">Sign out</button></form>
                    """
            }
        }
        header += "</header>"
        let data = bodyData.sorted { $0.key < $1.key }.map { " data-\($0.key)=\"\(HTML.escape($0.value))\"" }.joined()
        let flash = notice.map { "<p class=\"notice\" role=\"status\">\(HTML.escape($0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\
            <title>\(HTML.escape(title)) · onboard console</title>\
            <link rel="stylesheet" href="/console/console.css"><script src="/console/console.js" defer></script></head>
            <body\(data)>\(header)<main>\(flash)\(body)</main></body></html>
            """
    }

    /// The pages the header links to, for a signed-in user.
    static let navigation: [(path: String, label: String)] = [
        ("/runs", "Runs"), ("/bulk", "Bulk actions"), ("/fleet", "Fleet"),
    ]

    /// The hidden field that carries a form's CSRF token.
    static func csrfField(_ token: String) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(token))\">"
    }

    /// An HTML answer.
    static func response(_ status: HTTPResponse.Status = .ok, _ html: String, headers extra: HTTPFields = [:])
        -> Response
    {
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A `303 See Other` to `location` (a same-origin path).
    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// A page that says what went wrong, in words (never a Swift type name).
    static func problem(
        _ status: HTTPResponse.Status, _ title: String, _ message: String, user: ConsoleUser?, csrfToken: String?
    ) -> Response {
        response(
            status,
            document(
                title: title, user: user, csrfToken: csrfToken,
                body:
                    "<h1>\(HTML.escape(title))</h1><p class=\"problem\">\(HTML.escape(message))</p><p><a href=\"/runs\">Back to the runs</a></p>"
            ))
    }

    /// A time as people read it in a table: `2026-11-24 21:42:39 UTC`.
    static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
            c.minute ?? 0,
            c.second ?? 0)
    }

    /// A form body (`application/x-www-form-urlencoded`) as its fields; a repeated name keeps its last value.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return fields
    }
}

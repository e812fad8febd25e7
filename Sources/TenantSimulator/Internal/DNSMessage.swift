/// DNS wire format (RFC 1035), just enough to answer TXT and MX questions.
enum DNSMessage {
    static let typeMX: UInt16 = 15
    static let typeTXT: UInt16 = 16
    static let typeANY: UInt16 = 255
    static let classIN: UInt16 = 1

    /// What a name has.
    struct Records: Equatable {
        var txt: [String]
        /// Exchange host names, by preference (served as 10, 20, …).
        var mx: [String]
    }

    /// A question type's name, for the route counts.
    static func typeName(_ type: UInt16) -> String {
        switch type {
        case typeTXT: "TXT"
        case typeMX: "MX"
        case typeANY: "ANY"
        default: "TYPE\(type)"
        }
    }

    struct Question: Equatable {
        var id: UInt16
        var flags: UInt16
        var name: String
        var type: UInt16
        var questionClass: UInt16
        /// The question section's bytes, echoed in the answer.
        var questionBytes: ArraySlice<UInt8>
    }

    enum ParseError: Error {
        case tooShort
        case malformed(id: UInt16, flags: UInt16)
    }

    static func readUInt16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// Parses the first question of a query.
    static func parseQuery(_ bytes: [UInt8]) throws(ParseError) -> Question {
        guard bytes.count >= 12 else { throw .tooShort }
        let id = readUInt16(bytes, 0)
        let flags = readUInt16(bytes, 2)
        let questions = readUInt16(bytes, 4)
        guard flags & 0x8000 == 0, questions >= 1 else { throw .malformed(id: id, flags: flags) }
        var offset = 12
        var labels: [String] = []
        while true {
            guard offset < bytes.count else { throw .malformed(id: id, flags: flags) }
            let length = Int(bytes[offset])
            offset += 1
            if length == 0 { break }
            // Compression pointers are not valid in the first question.
            guard length < 64, offset + length <= bytes.count else { throw .malformed(id: id, flags: flags) }
            labels.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
            offset += length
        }
        guard offset + 4 <= bytes.count else { throw .malformed(id: id, flags: flags) }
        return Question(
            id: id, flags: flags, name: labels.joined(separator: "."), type: readUInt16(bytes, offset),
            questionClass: readUInt16(bytes, offset + 2), questionBytes: bytes[12..<offset + 4])
    }

    /// Builds a query (used by tests and handy for clients).
    static func makeQuery(id: UInt16, name: String, type: UInt16 = typeTXT) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes.append(contentsOf: label.utf8)
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return bytes
    }

    static func header(id: UInt16, queryFlags: UInt16, rcode: UInt16, answers: Int, questions: Int) -> [UInt8] {
        // QR=1, opcode copied, AA=1, RD copied, RA=0.
        let flags: UInt16 = 0x8000 | (queryFlags & 0x7800) | 0x0400 | (queryFlags & 0x0100) | rcode
        return [
            UInt8(id >> 8), UInt8(id & 0xff), UInt8(flags >> 8), UInt8(flags & 0xff), 0, UInt8(questions),
            UInt8(answers >> 8), UInt8(answers & 0xff), 0, 0, 0, 0,
        ]
    }

    /// The answer to a query: TXT or MX records when `lookup` knows the name, NXDOMAIN when it does not,
    /// FORMERR for garbage with a readable header, and `nil` (no answer) for fewer than 12 bytes.
    ///
    /// - Parameter lookup: the records of a name (lower-case, no trailing dot) for a question type,
    ///   `nil` when the name does not exist.
    static func answer(query bytes: [UInt8], lookup: (String, UInt16) -> Records?) -> [UInt8]? {
        let question: Question
        do {
            question = try parseQuery(bytes)
        } catch {
            switch error {
            case .tooShort: return nil
            case .malformed(let id, let flags):
                return header(id: id, queryFlags: flags, rcode: 1, answers: 0, questions: 0)
            }
        }
        if (question.flags >> 11) & 0xf != 0 {
            return header(id: question.id, queryFlags: question.flags, rcode: 4, answers: 0, questions: 1)
                + question.questionBytes
        }
        guard let records = lookup(question.name.lowercased(), question.type) else {
            return header(id: question.id, queryFlags: question.flags, rcode: 3, answers: 0, questions: 1)
                + question.questionBytes
        }
        let isIN = question.questionClass == classIN
        let any = question.type == typeANY
        let texts = isIN && (question.type == typeTXT || any) ? records.txt : []
        let exchanges = isIN && (question.type == typeMX || any) ? records.mx : []
        var reply = header(
            id: question.id, queryFlags: question.flags, rcode: 0, answers: texts.count + exchanges.count, questions: 1)
        reply += question.questionBytes
        for record in texts {
            var data: [UInt8] = []
            let utf8 = Array(record.utf8)
            var start = 0
            repeat {
                let chunk = utf8[start..<min(start + 255, utf8.count)]
                data.append(UInt8(chunk.count))
                data += chunk
                start += 255
            } while start < utf8.count
            // Name: pointer to the question's name at offset 12; type TXT, class IN, TTL 60.
            reply += [0xc0, 0x0c, 0, UInt8(typeTXT), 0, UInt8(classIN), 0, 0, 0, 60]
            reply += [UInt8(data.count >> 8), UInt8(data.count & 0xff)] + data
        }
        for (index, exchange) in exchanges.enumerated() {
            let preference = UInt16(min(index + 1, 6_000) * 10)
            var data: [UInt8] = [UInt8(preference >> 8), UInt8(preference & 0xff)]
            for label in exchange.split(separator: ".") {
                let bytes = Array(label.utf8.prefix(63))
                data.append(UInt8(bytes.count))
                data += bytes
            }
            data.append(0)
            reply += [0xc0, 0x0c, 0, UInt8(typeMX), 0, UInt8(classIN), 0, 0, 0, 60]
            reply += [UInt8(data.count >> 8), UInt8(data.count & 0xff)] + data
        }
        return reply
    }
}

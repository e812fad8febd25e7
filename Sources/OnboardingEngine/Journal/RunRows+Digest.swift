/// A short account of a run's rows, to compare a copy read back from its destination with what
/// was read from its source without keeping every run's rows in memory.
extension RunRows {
    /// How many rows of each kind a run has, and a CRC-32C over every value of every row.
    package struct Digest: Sendable, Hashable {
        package var tasks: Int
        package var events: Int
        package var messages: Int
        /// The CRC-32C of the rows' values, each written with its length (or as absent), in a
        /// fixed order: any changed, missing, added or reordered value changes it.
        package var checksum: UInt32
    }

    /// The rows' digest.
    package var digest: Digest {
        var bytes = DigestBytes()
        bytes.add(id.rawValue)
        bytes.add(workflow)
        bytes.add(fingerprint)
        bytes.add(graph)
        bytes.add(input)
        bytes.add(options)
        bytes.add(state.rawValue)
        bytes.add(dryRun)
        bytes.add(createdAt)
        bytes.add(updatedAt)
        bytes.add(leaseOwner)
        bytes.add(leaseExpiresAt)
        bytes.add(cancelRequested)
        bytes.add(wakeAt)
        for task in tasks {
            bytes.add(task.id.rawValue)
            bytes.add(Int64(task.position))
            bytes.add(task.state.rawValue)
            bytes.add(Int64(task.attempts))
            bytes.add(Int64(task.crashes))
            bytes.add(task.output)
            bytes.add(task.error)
            bytes.add(task.park)
            bytes.add(task.confirmation)
            bytes.add(task.observation)
            bytes.add(task.checkpoint)
            bytes.add(task.nextAttemptAt)
            bytes.add(task.updatedAt)
        }
        for event in events {
            bytes.add(event.sequence)
            bytes.add(event.taskID?.rawValue)
            bytes.add(event.at)
            bytes.add(event.actor)
            bytes.add(event.action)
            bytes.add(event.reason)
            bytes.add(event.attempt.map(Int64.init))
        }
        for message in messages {
            bytes.add(message.sequence)
            bytes.add(message.kind)
            bytes.add(message.taskID?.rawValue)
            bytes.add(message.actor)
            bytes.add(message.note)
            bytes.add(message.at)
        }
        return Digest(
            tasks: tasks.count, events: events.count, messages: messages.count, checksum: CRC32C.checksum(bytes.bytes))
    }
}

/// Values written one after another so that no two different sequences give the same bytes: a
/// tag for absent or present, and a length before variable-length values.
private struct DigestBytes {
    var bytes: [UInt8] = []

    mutating func add(_ value: [UInt8]?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        append(UInt64(value.count))
        bytes += value
    }

    mutating func add(_ value: String?) { add(value.map { Array($0.utf8) }) }

    mutating func add(_ value: Int64?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        append(UInt64(bitPattern: value))
    }

    mutating func add(_ value: Double?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        append(value.bitPattern)
    }

    mutating func add(_ value: Bool) { bytes.append(value ? 1 : 0) }

    private mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

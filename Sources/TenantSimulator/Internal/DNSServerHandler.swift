import NIOCore

/// Answers each UDP datagram with ``DNSMessage/answer(query:lookup:)``.
final class DNSServerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let lookup: @Sendable (String, UInt16) -> DNSMessage.Records?

    init(lookup: @escaping @Sendable (String, UInt16) -> DNSMessage.Records?) {
        self.lookup = lookup
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let reply = DNSMessage.answer(query: Array(envelope.data.readableBytesView), lookup: lookup) else {
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: reply)
        context.writeAndFlush(
            wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A bad datagram (e.g. ICMP port unreachable surfaced as an error) must not close the server.
    }
}

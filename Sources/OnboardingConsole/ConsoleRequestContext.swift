import Hummingbird
import NIOCore

/// A request context that knows the client's address, so the sign-in limit counts failures per
/// address as well as per name. A host serving the console over HTTP makes its router with it:
///
/// ```swift
/// let router = Router(context: ConsoleRequestContext.self)
/// ```
///
/// On a router whose context carries no address the console still works, limiting sign-ins per name only.
public struct ConsoleRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's own part of the context.
    public var coreContext: CoreRequestContextStorage
    /// The client's address (the peer of the connection; a proxy's when behind one).
    public let remoteAddress: SocketAddress?

    /// The context of a request that arrived on `source`'s connection.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

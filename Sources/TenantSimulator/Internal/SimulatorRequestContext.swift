import Hummingbird
import NIOCore

/// Hummingbird request context that keeps the channel, so a fault can close the connection without answering.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    var maxUploadSize: Int { 16 * 1024 * 1024 }
}

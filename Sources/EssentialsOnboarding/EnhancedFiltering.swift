/// How Exchange Online finds a message's real sender behind Essentials: Enhanced Filtering for
/// Connectors, set on the inbound connector.
///
/// Without it, Exchange sees Essentials' relays as every message's source: SPF, DKIM, DMARC and
/// spoof intelligence in Exchange Online Protection evaluate the wrong hop (Maester's ORCA 233.1
/// check flags such tenants).
public enum EnhancedFiltering: String, Sendable, Hashable, Codable {
    /// Skip Essentials' sending ranges (`EFSkipIPs`): the first address outside them is the
    /// sender. The default, and the precise choice.
    case skipEssentialsRanges
    /// Skip only the last hop (`EFSkipLastIP`): right when Essentials is the only hop before
    /// Exchange, and needs no list of ranges kept up to date.
    case skipLastIP
    /// Leave Enhanced Filtering off (not recommended).
    case off
}

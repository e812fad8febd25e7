/// A domain of a simulated tenant, and the SPF and MX records the DNS server answers for it.
public struct SimulatedDomain: Sendable, Hashable {
    /// The domain name (Graph's `id`).
    public var name: String
    /// Graph's `isVerified`.
    public var isVerified: Bool
    /// Graph's `supportedServices`, e.g. `["Email"]`.
    public var supportedServices: [String]
    /// Graph's `isDefault`.
    public var isDefault: Bool
    /// Graph's `isInitial`.
    public var isInitial: Bool
    /// The TXT records served for the name; `nil` means one SPF record that does not include Essentials.
    public var txtRecords: [String]?
    /// The mail exchangers served for the name, by preference; `nil` means Microsoft's
    /// (`{name with dashes}.mail.protection.outlook.com`), as for a tenant not yet onboarded.
    public var mxRecords: [String]?

    /// A domain.
    public init(
        name: String, isVerified: Bool = true, supportedServices: [String] = ["Email"], isDefault: Bool = false,
        isInitial: Bool = false, txtRecords: [String]? = nil, mxRecords: [String]? = nil
    ) {
        self.mxRecords = mxRecords
        self.name = name
        self.isVerified = isVerified
        self.supportedServices = supportedServices
        self.isDefault = isDefault
        self.isInitial = isInitial
        self.txtRecords = txtRecords
    }

    /// The TXT records served at start.
    public var resolvedTXTRecords: [String] {
        txtRecords ?? ["v=spf1 include:spf.protection.outlook.com -all"]
    }

    /// The MX records served at start.
    public var resolvedMXRecords: [String] {
        mxRecords ?? [SimulatedDomain.microsoftMX(for: name)]
    }

    /// Exchange Online's mail exchanger for a domain: `contoso-com.mail.protection.outlook.com`.
    public static func microsoftMX(for domain: String) -> String {
        domain.lowercased().replacingOccurrences(of: ".", with: "-") + ".mail.protection.outlook.com"
    }
}

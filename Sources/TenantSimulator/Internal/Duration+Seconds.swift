extension Duration {
    /// The duration in seconds as a floating-point number.
    var simulatorSeconds: Double {
        let parts = self.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

import Foundation
import OnboardingEngineTesting
import Testing

@testable import OnboardingConsole

/// The limiter by itself: per name and per address, on a manual clock.
@Suite("Sign-in limiter")
struct SignInLimiterTests {
    @Test func anAddressWithFiveFailuresWaitsWhateverTheName() {
        let clock = ManualClock()
        let limiter = SignInLimiter(clock: clock)
        for index in 0..<5 {
            #expect(limiter.retryAfter(name: "user\(index)", address: "192.0.2.7") == nil)
            limiter.recordFailure(name: "user\(index)", address: "192.0.2.7")
        }
        #expect(limiter.retryAfter(name: "someone-else", address: "192.0.2.7") == 60)
        #expect(limiter.retryAfter(name: "someone-else", address: "192.0.2.8") == nil)
        #expect(limiter.retryAfter(name: "user0", address: "192.0.2.8") == nil, "one failure per name so far")
        clock.advance(by: .seconds(59))
        #expect(limiter.retryAfter(name: nil, address: "192.0.2.7") == 1)
        clock.advance(by: .seconds(1))
        #expect(limiter.retryAfter(name: nil, address: "192.0.2.7") == nil)
    }
}

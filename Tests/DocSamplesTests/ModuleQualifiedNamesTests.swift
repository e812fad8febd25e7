import EssentialsOnboarding
import EssentialsOnboardingTesting
import OnboardingConsole
import OnboardingEngine
import OnboardingEngineTesting
import OnboardingEnginePostgres
import TenantSimulator
import Testing

/// Every module's types can be named through their module, as a host disambiguates two types of
/// the same name: no public type is named like its module (one would hide the module, and these
/// lines would not compile).
struct ModuleQualifiedNamesTests {
    @Test func everyModulesTypesCanBeQualifiedByTheModule() {
        let names = [
            "\(OnboardingEngine.Engine.self)", "\(OnboardingEngine.RunState.self)",
            "\(TenantSimulator.Simulator.self)", "\(TenantSimulator.SimulatorJSON.self)",
            "\(EssentialsOnboarding.JSONValue.self)", "\(EssentialsOnboarding.EssentialsWorkflow.self)",
            "\(OnboardingEnginePostgres.PostgresJournal.self)", "\(OnboardingConsole.SupportConsole.self)",
            "\(OnboardingEngineTesting.ChildProcess.self)", "\(EssentialsOnboardingTesting.SimulatedTenant.self)",
        ]
        #expect(names.count == Set(names).count)
    }
}

import ArgumentParser

/// `--no-resume` for `retry`, `skip` and `confirm`: by default they record the action and then
/// resume the run at once (as `tctl workflow reset` and `dbos workflow resume` continue the run).
struct ResumeOption: ParsableArguments {
    @Flag(help: "Only record the action; resume later with `onboard resume`.")
    var noResume = false
}

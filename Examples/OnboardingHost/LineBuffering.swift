#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// Makes stdout line-buffered even when it is a file or a pipe (C makes it block-buffered
/// there), so each progress line, the consent link among them, is written at once and is not
/// lost when the process is killed.
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}

package dev.codelab.sandbox.monitoring;

/**
 * One decoded trace point, with only what the rules look at; a field the message lacks is null
 * (or -1 for numbers).
 *
 * @param type         the wire message type (see {@link TraceDecoder})
 * @param byProgram    the caller's credentials are known and not the supervisor's (uid 0)
 * @param exit         a syscall exit point (carries errno), not an entry
 * @param sysno        the system call's number
 * @param errno        on exit, the error it returned (0: none)
 * @param path         open: the path as given; execve: the binary gVisor resolved
 * @param cwd          open: the caller's working directory
 * @param dirPath      openat: the path of the directory descriptor
 * @param dirFd        openat: the directory descriptor (AT_FDCWD is -100)
 * @param openFlags    open: the flags (O_WRONLY, O_CREAT...)
 * @param family       socket(): the domain; connect(): the address's family
 */
record TraceEvent(int type, boolean byProgram, boolean exit, long sysno, long errno, String path, String cwd,
                  String dirPath, long dirFd, long openFlags, long family) {
}

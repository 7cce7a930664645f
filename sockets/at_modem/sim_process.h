// The modem simulator (//platforms/host/modem_sim) as a child process of
// a test: started with its arguments, its pty's path read from the first
// line it prints, stopped at the end. Shared by modem_sim_test and the
// backend's socket_at_test.
#ifndef TERN_SOCKETS_AT_MODEM_SIM_PROCESS_H
#define TERN_SOCKETS_AT_MODEM_SIM_PROCESS_H

#include <sys/types.h>

#include <string>
#include <vector>

namespace tern_test {

// Runs argv (argv[0]: the simulator's path) with its stdout on a pipe and
// reads the first line it prints, the path of its pty, into *pty (empty
// if it printed none). Returns the child's pid, or -1 if it could not be
// started.
pid_t StartModemSim(const std::vector<std::string> &argv, std::string *pty);

// Ends a simulator StartModemSim started (SIGCONT, in case a test stopped
// it, then SIGTERM) and waits for it: whether it exited with status 0.
bool StopModemSim(pid_t pid);

}  // namespace tern_test

#endif  // TERN_SOCKETS_AT_MODEM_SIM_PROCESS_H

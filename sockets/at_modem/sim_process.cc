#include "sockets/at_modem/sim_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tern_test {

pid_t StartModemSim(const std::vector<std::string> &argv, std::string *pty) {
  pty->clear();
  int out[2];
  if (argv.empty() || pipe2(out, O_CLOEXEC) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    std::vector<char *> av;
    for (const auto &a : argv)
      av.push_back(const_cast<char *>(a.c_str()));
    av.push_back(nullptr);
    execv(av[0], av.data());
    _exit(127);
  }
  close(out[1]);
  char c;
  while (pid > 0 && read(out[0], &c, 1) == 1 && c != '\n')
    *pty += c;
  close(out[0]);
  return pid;
}

bool StopModemSim(pid_t pid) {
  if (pid <= 0)
    return false;
  kill(pid, SIGCONT);
  kill(pid, SIGTERM);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace tern_test

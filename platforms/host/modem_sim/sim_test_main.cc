#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>

#include "platforms/host/modem_sim/sim_test_main.h"

namespace tern_test {

const char *g_modem_sim;

}  // namespace tern_test

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEM_SIM\n", argv[0]);
    return 2;
  }
  tern_test::g_modem_sim = argv[1];
  signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}

// main() for the tests that run the modem simulator (modem_sim_args_test
// here, //sockets/at_modem:modem_sim_test): BUILD passes the simulator's
// path as the first argument, which main keeps in g_modem_sim before it
// runs the tests, with SIGPIPE ignored (a write to a simulator that has
// ended is an error, not the test's end). Testonly.
#ifndef TERN_MODEM_SIM_TEST_MAIN_H
#define TERN_MODEM_SIM_TEST_MAIN_H

namespace tern_test {

extern const char *g_modem_sim;

}  // namespace tern_test

#endif  // TERN_MODEM_SIM_TEST_MAIN_H

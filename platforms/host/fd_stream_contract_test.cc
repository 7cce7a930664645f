// The stream contract suite against the host fd stream over a socketpair,
// a pipe pair and a pty.
#include "platforms/host/host_contract_fixtures.h"

const tern_test::StreamParam kSocketpair =
    tern_test::MakeStreamParam<tern_test::SocketpairFixture>("socketpair");
const tern_test::StreamParam kPipes =
    tern_test::MakeStreamParam<tern_test::PipesFixture>("pipes");
const tern_test::StreamParam kPty =
    tern_test::MakeStreamParam<tern_test::PtyFixture>("pty");

INSTANTIATE_TEST_SUITE_P(Host, StreamContract,
                         ::testing::Values(kSocketpair, kPipes, kPty),
                         tern_test::StreamParamName);
// A raw pty has no end-of-stream signal: its close only stops writing.
INSTANTIATE_TEST_SUITE_P(Host, StreamCloseReachesPeerContract,
                         ::testing::Values(kSocketpair, kPipes),
                         tern_test::StreamParamName);

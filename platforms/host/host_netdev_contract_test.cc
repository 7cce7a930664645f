// The netdev contract suite against TAP and TUN, each in a network
// namespace of its own with a packet socket as the far side (root only;
// skipped otherwise).
#include "platforms/host/host_contract_fixtures.h"

const tern_test::NetdevParam kTap =
    tern_test::MakeNetdevParam<tern_test::TapFixture>("tap");
const tern_test::NetdevParam kTun =
    tern_test::MakeNetdevParam<tern_test::TunFixture>("tun");

// Neither fills (the kernel queues or drops), and GoDown closes the
// device for good. TAP has a multicast filter; neither takes addresses.
INSTANTIATE_TEST_SUITE_P(Host, NetdevContract, ::testing::Values(kTap, kTun),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Host, NetdevLinkDownContract,
                         ::testing::Values(kTap, kTun),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Host, NetdevMcastContract, ::testing::Values(kTap),
                         tern_test::NetdevParamName);

// GoogleTest helpers for tests that run over the simulated network
// (tern/simnet.h) for many seeds. Testonly.
//
//   for (uint64_t seed : tern_test::SimSeeds(20)) {
//     SCOPED_TRACE(tern_test::SimReplay("//my:test", seed));
//     ... a run from seed; any failure prints the command that replays it
//   }
//
// SimSeeds(n) is the one seed TERN_SIM_SEED names when it is set, else
// seeds B+1..B+N where N is TERN_SIM_SEEDS when set (a long run:
// thousands), else n, and B is TERN_SIM_SEED_BASE when set (a sweep of
// seeds never run before), else 0. Each seed is whole: TERN_SIM_SEED=<it>
// replays it, base included. A variable set to something that is not a
// number fails the test (it ran the default seeds), and so do
// TERN_SIM_SEEDS=0, TERN_SIM_SEEDS past 1,000,000 (the seeds are a vector
// made first: 8 MB at most) and a sweep past seed 2^64 - 1. SimReplay
// names the target that ran.
#ifndef TERN_SIMNET_TESTING_H
#define TERN_SIMNET_TESTING_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "tern/simnet.h"

namespace tern_test {

// The decimal number in environment variable name, or dflt when it is
// unset. Anything else there (a sign, a space, a letter, past 2^64 - 1)
// is a test failure, not the default: a mistyped sweep or replay must
// not pass on seeds it did not ask for.
inline uint64_t SimEnvNumber(const char *name, uint64_t dflt) {
  const char *s = getenv(name);
  if (s == nullptr) {
    return dflt;
  }
  uint64_t v = 0;
  const char *p = s;
  for (; *p >= '0' && *p <= '9'; p++) {
    uint64_t d = static_cast<uint64_t>(*p - '0');
    if (v > (UINT64_MAX - d) / 10) {
      break;
    }
    v = v * 10 + d;
  }
  if (p == s || *p != '\0') {
    ADD_FAILURE() << name << "=" << s << " is not a decimal number";
    return dflt;
  }
  return v;
}

inline std::vector<uint64_t> SimSeeds(int n) {
  bool from_env = false;
  uint64_t one = tern_simnet_seed_from_env(0, &from_env);
  if (from_env) {
    return {one};
  }
  const char *seed = getenv("TERN_SIM_SEED");
  if (seed != nullptr) {
    ADD_FAILURE() << "TERN_SIM_SEED=" << seed
                  << " is not a seed (decimal or 0x hex digits): none run";
    return {};
  }
  uint64_t count = SimEnvNumber("TERN_SIM_SEEDS", static_cast<uint64_t>(n));
  if (count > 1000000) {
    ADD_FAILURE() << "TERN_SIM_SEEDS=" << count
                  << " is past 1000000 seeds: sweep in parts with "
                     "TERN_SIM_SEED_BASE";
    return {};
  }
  if (count == 0) {
    ADD_FAILURE() << "TERN_SIM_SEEDS=0: no seed to run";
    return {};
  }
  uint64_t base = SimEnvNumber("TERN_SIM_SEED_BASE", 0);
  if (base > UINT64_MAX - count) {
    ADD_FAILURE() << "TERN_SIM_SEED_BASE=" << base << " with " << count
                  << " seeds runs past 2^64 - 1";
    return {};
  }
  std::vector<uint64_t> seeds;
  for (uint64_t i = 1; i <= count; i++)
    seeds.push_back(base + i);
  return seeds;
}

// "replay: bazel test <target> --test_env=TERN_SIM_SEED=<seed>
// --test_filter=<the current test>". The target is the one that ran
// (Bazel's TEST_TARGET) when Bazel says so, else the one given: one
// source may be built into several targets (IPv4-only, seed sweeps),
// and the replay must build it as the failing run did.
inline std::string SimReplay(const char *target, uint64_t seed) {
  const char *ran = getenv("TEST_TARGET");
  if (ran != nullptr && ran[0] != '\0') {
    target = ran;
  }
  const ::testing::TestInfo *t =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string filter = std::string(t->test_suite_name()) + "." + t->name();
  char buf[512];
  return std::string("replay: ") +
         tern_simnet_replay_command(buf, sizeof buf, target, filter.c_str(),
                                    seed);
}

}  // namespace tern_test

#endif  // TERN_SIMNET_TESTING_H

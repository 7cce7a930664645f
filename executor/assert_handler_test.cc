// What the executor does after a failed check when the program's own
// tern_assert_failed returns (a handler that logs and goes on): the
// release behaviour behind each check. This binary's handler records the
// message and returns (it overrides the weak default in poll.c, so these
// cases cannot live beside death tests).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tern/executor.h"

namespace {

std::vector<std::string> g_assert_failures;

}  // namespace

extern "C" void tern_assert_failed(const char *msg) {
  g_assert_failures.push_back(msg);
}

namespace {

struct Child {
  int polls = 0;
};

tern_poll ChildPoll(void *state, tern_cx *cx) {
  static_cast<Child *>(state)->polls++;
  (void)tern_cx_waker(cx);
  return TERN_READY;
}

// More than TERN_JOIN_MAX children: the check fires, and the join is READY
// at once with *done 0 and no child polled, so the task ends and its
// caller can tell (a real join of n children is READY with all n bits
// set). Before, it was PENDING without storing a waker: the task slept
// for ever.
TEST(AssertHandlerReturns, JoinOfTooManyChildrenIsReadyWithNoneDone) {
  g_assert_failures.clear();
  std::vector<Child> children(TERN_JOIN_MAX + 1);
  std::vector<tern_future> kids;
  for (Child &c : children) {
    kids.push_back(tern_future{ChildPoll, &c});
  }
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  uint32_t done = 0x5a;
  EXPECT_EQ(tern_join(kids.data(), kids.size(), &done, &cx), TERN_READY);
  EXPECT_EQ(done, 0u);
  ASSERT_EQ(g_assert_failures.size(), 1u);
  EXPECT_NE(g_assert_failures[0].find("more than TERN_JOIN_MAX"),
            std::string::npos);
  for (const Child &c : children) {
    EXPECT_EQ(c.polls, 0);
  }
}

// A select of no children could never be READY, and PENDING would store
// no waker: the task would sleep for ever. The check fires and the select
// is READY at once with *which 0, an index no child has, so the caller can
// tell.
TEST(AssertHandlerReturns, SelectOfNoChildrenIsReadyWithNoIndex) {
  g_assert_failures.clear();
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  size_t which = 7;
  EXPECT_EQ(tern_select(nullptr, 0, &which, &cx), TERN_READY);
  EXPECT_EQ(which, 0u);
  ASSERT_EQ(g_assert_failures.size(), 1u);
  EXPECT_NE(g_assert_failures[0].find("no children"), std::string::npos);
}

}  // namespace

#include "tern/err.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

TEST(Err, EveryCodeHasItsOwnName) {
  std::set<std::string> names;
  for (int e = TERN_OK; e >= TERN_ENODATA; e--) {
    std::string name = tern_strerror(e);
    EXPECT_NE(name, "unknown error") << e;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
}

TEST(Err, UnknownCodes) {
  EXPECT_STREQ(tern_strerror(1), "unknown error");
  EXPECT_STREQ(tern_strerror(TERN_ENODATA - 1), "unknown error");
}

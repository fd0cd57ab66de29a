#include <gtest/gtest.h>
#include <lmx/lmx.h>

TEST(Smoke, AddEvaluates) {
  auto a = lmx::array({1.0f, 2.0f, 3.0f});
  auto b = a + 1.0f;
  EXPECT_EQ(b.item<float>() , 0);
}

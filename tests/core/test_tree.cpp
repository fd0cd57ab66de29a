#include <sstream>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {
Tree sample() {
  return Tree{{"layers", Tree::list({Tree{{"weight", array({1.0f, 2.0f})}, {"bias", array(3.0f)}},
                                     Tree{{"weight", array({4.0f})}}})},
              {"scale", array(5.0f)}};
}
}  // namespace

TEST(Tree, FlattenUsesDottedPathsInOrder) {
  auto flat = tree_flatten(sample());
  ASSERT_EQ(flat.size(), 4u);
  EXPECT_EQ(flat[0].first, "layers.0.weight");
  EXPECT_EQ(flat[1].first, "layers.0.bias");
  EXPECT_EQ(flat[2].first, "layers.1.weight");
  EXPECT_EQ(flat[3].first, "scale");
  EXPECT_EQ(tree_flatten(sample(), "model")[3].first, "model.scale");
}

TEST(Tree, UnflattenRebuildsListsAndDicts) {
  auto t = tree_unflatten(tree_flatten(sample()));
  EXPECT_TRUE(t["layers"].is_list());
  EXPECT_EQ(t["layers"].size(), 2u);
  EXPECT_EQ(t["layers"][1]["weight"].as_array().item<float>(), 4.0f);
  EXPECT_EQ(t["scale"].as_array().item<float>(), 5.0f);
}

TEST(Tree, MapReduceMerge) {
  auto doubled = tree_map(sample(), [](const array& a) { return a * 2.0f; });
  EXPECT_EQ(doubled["scale"].as_array().item<float>(), 10.0f);
  auto summed =
      tree_map(sample(), {doubled}, [](const std::vector<array>& xs) { return xs[0] + xs[1]; });
  EXPECT_EQ(summed["layers"][0]["bias"].as_array().item<float>(), 9.0f);
  auto paths = tree_map_with_path(sample(), [](const std::string& path, const array& a) {
    return path == "scale" ? zeros_like(a) : a;
  });
  EXPECT_EQ(paths["scale"].as_array().item<float>(), 0.0f);
  EXPECT_EQ(paths["layers"][1]["weight"].as_array().item<float>(), 4.0f);
  auto total = tree_reduce(
      sample(), [](const array& acc, const array& a) { return acc + sum(a); }, array(0.0f));
  EXPECT_EQ(total.item<float>(), 15.0f);
  auto merged = tree_merge(sample(), Tree{{"scale", array(7.0f)}, {"extra", array(1.0f)}});
  EXPECT_EQ(merged["scale"].as_array().item<float>(), 7.0f);
  EXPECT_TRUE(merged.contains("extra"));
  EXPECT_EQ(merged["layers"][0]["bias"].as_array().item<float>(), 3.0f);
  EXPECT_EQ(tree_leaves(sample()).size(), 4u);
  eval(sample(), doubled);  // eval accepts trees
}

TEST(Tree, Errors) {
  auto t = sample();
  EXPECT_THROW_MSG(t["scale"].as_dict(), std::invalid_argument,
                   "[Tree] Expected a dict but the node is an array.");
  EXPECT_THROW_MSG(static_cast<const Tree&>(t)["missing"], std::invalid_argument,
                   "[Tree] Key 'missing' not found.");
  EXPECT_THROW_MSG(t["layers"][5], std::invalid_argument,
                   "[Tree] Index 5 out of range for a list of size 2.");
  EXPECT_THROW_MSG(tree_map(t, {Tree{{"scale", array(1.0f)}}},
                            [](const std::vector<array>& xs) { return xs[0]; }),
                   std::invalid_argument, "[tree_map] Tree is missing key 'layers'.");
  std::ostringstream os;
  os << Tree{{"a", array(1)}};
  EXPECT_EQ(os.str(), "{'a': array(1, dtype=int32)}");
}

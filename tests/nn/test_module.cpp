#include <filesystem>
#include <sstream>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {

struct MLP : nn::Module {
  std::vector<nn::Linear> layers;
  MLP(int num_layers, int input_dim, int hidden_dim, int output_dim) {
    std::vector<int> sizes(num_layers + 2, hidden_dim);
    sizes.front() = input_dim;
    sizes.back() = output_dim;
    for (size_t i = 0; i + 1 < sizes.size(); ++i) layers.emplace_back(sizes[i], sizes[i + 1]);
    register_module("layers", layers);
  }
  array operator()(array x) override {
    for (size_t i = 0; i + 1 < layers.size(); ++i) x = maximum(layers[i](x), 0.0f);
    return layers.back()(x);
  }
};

struct WithDropout : nn::Module {
  nn::Linear fc{4, 4};
  nn::Dropout drop{0.5f};
  WithDropout() {
    register_module("fc", fc);
    register_module("drop", drop);
  }
  array operator()(array x) override { return drop(fc(x)); }
};

std::vector<std::string> keys_of(const Tree& t) {
  std::vector<std::string> out;
  for (auto& [k, v] : tree_flatten(t)) out.push_back(k);
  return out;
}

}  // namespace

TEST(Module, ParametersInRegistrationOrderWithDottedKeys) {
  MLP model(1, 3, 2, 1);
  EXPECT_EQ(keys_of(model.parameters()),
            (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                      "layers.1.bias"}));
  EXPECT_EQ(model.layers[0].weight.shape(), (Shape{2, 3}));
  EXPECT_EQ(model.parameters()["layers"][1]["bias"].as_array().shape(), (Shape{1}));
}

TEST(Module, PrintsLikeMlx) {
  MLP model(1, 3, 2, 1);
  EXPECT_EQ(repr(model),
            "MLP(\n  (layers.0): Linear(input_dims=3, output_dims=2, bias=True)\n"
            "  (layers.1): Linear(input_dims=2, output_dims=1, bias=True)\n)");
  EXPECT_EQ(repr(nn::Linear(2, 3, false)), "Linear(input_dims=2, output_dims=3, bias=False)");
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU(), nn::Sequential(nn::Linear(3, 1)));
  EXPECT_EQ(repr(seq),
            "Sequential(\n  (layers.0): Linear(input_dims=2, output_dims=3, bias=True)\n  "
            "(layers.1): ReLU()\n"
            "  (layers.2): Sequential(\n    (layers.0): Linear(input_dims=3, output_dims=1, "
            "bias=True)\n  )\n)");
  EXPECT_EQ(repr(nn::LayerNorm(4)), "LayerNorm(4, eps=1e-05, affine=True)");
  EXPECT_EQ(repr(nn::BatchNorm(3)),
            "BatchNorm(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(repr(nn::Dropout(0.25f)), "Dropout(p=0.25)");
}

TEST(Module, CopyAndVectorGrowthKeepRegistryValid) {
  MLP a(2, 4, 8, 2);
  MLP b = a;  // copies keep working on their own members
  b.update(tree_map(b.parameters(), [](const array& x) { return zeros_like(x); }));
  EXPECT_FALSE(array_equal(a.layers[0].weight, b.layers[0].weight).item<bool>());
  EXPECT_EQ(sum(*b.layers[2].bias).item<float>(), 0.0f);
  std::vector<MLP> models;
  for (int i = 0; i < 5; ++i) models.emplace_back(1, 2, 2, 1);  // reallocations move modules
  EXPECT_EQ(tree_flatten(models[0].parameters()).size(), 4u);
}

TEST(Module, ChildrenNamedAndLeafModules) {
  MLP model(1, 3, 2, 1);
  auto children = model.children();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[1].first, "layers.1");
  auto named = model.named_modules();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "");
  EXPECT_EQ(named[2].first, "layers.1");
  EXPECT_EQ(model.leaf_modules().size(), 2u);
  EXPECT_EQ(model.modules().size(), 3u);
  int visited = 0;
  model.apply_to_modules([&](const std::string&, nn::Module&) { ++visited; });
  EXPECT_EQ(visited, 3);
}

TEST(Module, FreezeAndUnfreeze) {
  MLP model(1, 3, 2, 1);
  model.freeze();
  EXPECT_TRUE(tree_flatten(model.trainable_parameters()).empty());
  model.unfreeze();
  EXPECT_EQ(tree_flatten(model.trainable_parameters()).size(), 4u);
  model.layers[0].freeze(true, std::vector<std::string>{"bias"});
  EXPECT_EQ(keys_of(model.trainable_parameters()),
            (std::vector<std::string>{"layers.0.weight", "layers.1.weight", "layers.1.bias"}));
  EXPECT_THROW_MSG(model.freeze(true, std::vector<std::string>{"nope"}, true),
                   std::invalid_argument,
                   "[freeze] Module MLP has no parameter or submodule named 'nope'.");
  nn::BatchNorm bn(3);
  EXPECT_EQ(keys_of(bn.trainable_parameters()), (std::vector<std::string>{"weight", "bias"}));
  bn.unfreeze();
  EXPECT_EQ(keys_of(bn.trainable_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(keys_of(bn.parameters()).size(), 4u);
}

TEST(Module, UpdateIsStrict) {
  MLP model(1, 3, 2, 1);
  Tree bad = Tree{{"layers", Tree::list({Tree{{"weight", zeros({5, 5})}}})}};
  EXPECT_THROW_MSG(model.update(bad), std::invalid_argument,
                   "[update] Expected shape (2,3) for 'layers.0.weight' but received shape (5,5).");
  EXPECT_THROW_MSG(model.update(Tree{{"extra", zeros({1})}}), std::invalid_argument,
                   "[update] Module MLP has no parameter or submodule 'extra'.");
  model.update(Tree{{"extra", zeros({1})}}, false);  // non-strict ignores it
}

TEST(Module, ApplyMapsParametersAndFunctionalCall) {
  MLP model(1, 3, 2, 1);
  model.apply([](const array& p) { return ones_like(p); });
  EXPECT_EQ(sum(model.layers[0].weight).item<float>(), 6.0f);
  model.apply(
      [](const array& p) { return zeros_like(p); },
      [](const std::string& path, const array&) { return path.find("bias") != std::string::npos; });
  EXPECT_EQ(sum(*model.layers[1].bias).item<float>(), 0.0f);
  EXPECT_EQ(sum(model.layers[1].weight).item<float>(), 2.0f);
  auto x = ones({1, 3});
  auto zero_params = tree_map(model.parameters(), [](const array& p) { return zeros_like(p); });
  EXPECT_EQ(model.apply(zero_params, x).item<float>(), 0.0f);
  EXPECT_EQ(model(x).item<float>(), 2.0f * 3.0f + 0.0f);  // own parameters unchanged
}

TEST(Module, TrainEvalAndDropout) {
  random::seed(0);
  WithDropout m;
  EXPECT_TRUE(m.training());
  auto x = ones({64, 4});
  auto y1 = m(x);
  EXPECT_GT(sum(equal(y1, array(0.0f))).item<int>(), 10);
  m.eval();
  EXPECT_FALSE(m.drop.training());
  EXPECT_TRUE(all_close(m(x), m.fc(x)));
  m.train();
  EXPECT_TRUE(m.drop.training());
}

TEST(Module, SetDtype) {
  MLP model(1, 3, 2, 1);
  model.set_dtype(float16);
  EXPECT_EQ(model.layers[0].weight.dtype(), float16);
  EXPECT_EQ(model.layers[0](ones({1, 3}, float16)).dtype(), float16);
}

TEST(Module, ValueAndGradOverTrainableParameters) {
  MLP model(1, 3, 4, 2);
  auto x = random::normal({5, 3}, random::key(1));
  auto y = array({0, 1, 1, 0, 1}, uint32);
  auto loss_fn = [](MLP& m, const array& X, const array& Y) {
    return mean(nn::losses::cross_entropy(m(X), Y));
  };
  auto vg = nn::value_and_grad(model, loss_fn);
  auto [loss, grads] = vg(model, x, y);
  EXPECT_EQ(keys_of(grads), keys_of(model.parameters()));
  // Matches lmx::value_and_grad over the flat parameters.
  auto flat = tree_flatten(model.parameters());
  std::vector<array> values;
  for (auto& [k, v] : flat) values.push_back(v);
  auto direct = value_and_grad(
      [&](const std::vector<array>& ps) {
        std::vector<std::pair<std::string, array>> items;
        for (size_t i = 0; i < ps.size(); ++i) items.emplace_back(flat[i].first, ps[i]);
        return mean(nn::losses::cross_entropy(model.apply(tree_unflatten(items), x), y));
      },
      std::vector<int>{0, 1, 2, 3})(values);
  auto flat_grads = tree_flatten(grads);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(all_close(flat_grads[i].second, direct.second[i]));
  EXPECT_FLOAT_EQ(loss.item<float>(), direct.first.item<float>());
  auto g0 = flat_grads[0].second;
  EXPECT_EQ(g0.shape(), (Shape{4, 3}));
  EXPECT_FALSE(model.layers[0].weight.is_tracer());
  // Frozen parameters receive no gradient.
  model.layers[0].freeze();
  auto [loss2, grads2] = vg(model, x, y);
  EXPECT_EQ(keys_of(grads2), (std::vector<std::string>{"layers.1.weight", "layers.1.bias"}));
  EXPECT_FLOAT_EQ(loss.item<float>(), loss2.item<float>());
}

TEST(Module, SaveAndLoadWeights) {
  auto dir = std::filesystem::temp_directory_path() / "lmx_test_weights";
  std::filesystem::create_directories(dir);
  for (auto ext : {".safetensors", ".npz"}) {
    MLP a(1, 3, 2, 1), b(1, 3, 2, 1);
    auto path = (dir / (std::string("mlp") + ext)).string();
    a.save_weights(path);
    b.load_weights(path);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(array_equal(a.layers[i].weight, b.layers[i].weight).item<bool>());
      EXPECT_TRUE(array_equal(*a.layers[i].bias, *b.layers[i].bias).item<bool>());
    }
    MLP c(2, 3, 2, 1);
    EXPECT_THROW_MSG(c.load_weights(path), std::invalid_argument,
                     "[load_weights] Missing parameter 'layers.2.weight'");
    c.load_weights(path, false);  // non-strict loads what matches
    EXPECT_TRUE(array_equal(a.layers[0].weight, c.layers[0].weight).item<bool>());
    MLP d(1, 3, 5, 1);
    EXPECT_THROW_MSG(d.load_weights(path), std::invalid_argument,
                     "[load_weights] Expected shape (5,3)");
  }
  EXPECT_THROW_MSG(MLP(1, 2, 2, 1).save_weights((dir / "w.bin").string()), std::invalid_argument,
                   "[save_weights] Unsupported file extension");
  std::filesystem::remove_all(dir);
}

TEST(Module, UpdateModules) {
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  seq.update_modules({{"layers.1", std::make_shared<nn::Tanh>()}});
  EXPECT_EQ(seq.layers[1]->name(), "Tanh");
  MLP model(1, 3, 2, 1);
  auto replacement = std::make_shared<nn::Linear>(3, 2);
  replacement->apply([](const array& p) { return ones_like(p); });
  model.update_modules({{"layers.0", replacement}});
  EXPECT_EQ(sum(model.layers[0].weight).item<float>(), 6.0f);
  EXPECT_THROW_MSG(model.update_modules({{"layers.0", std::make_shared<nn::ReLU>()}}),
                   std::invalid_argument,
                   "[update_modules] Cannot replace Linear at 'layers.0' with ReLU");
  EXPECT_THROW_MSG(model.update_modules({{"nope", replacement}}), std::invalid_argument,
                   "[update_modules] Module MLP has no submodule 'nope'.");
}

namespace {
// A front end's owned values, in C++: an array, a module, a list or a dict,
// shared so that a test can change a container after registering it.
struct TestValue : nn::OwnedValue {
  std::optional<array> a;
  std::shared_ptr<nn::Module> m;
  std::vector<std::pair<std::string, std::shared_ptr<TestValue>>> entries;
  Kind k = Kind::Other;

  static std::shared_ptr<TestValue> of(array x) {
    auto v = std::make_shared<TestValue>();
    v->k = Kind::Array;
    v->a = x;
    return v;
  }
  static std::shared_ptr<TestValue> of(std::shared_ptr<nn::Module> mod) {
    auto v = std::make_shared<TestValue>();
    v->k = Kind::Module;
    v->m = std::move(mod);
    return v;
  }
  static std::shared_ptr<TestValue> list() {
    auto v = std::make_shared<TestValue>();
    v->k = Kind::List;
    return v;
  }
  void push(std::shared_ptr<TestValue> child) {
    entries.emplace_back(std::to_string(entries.size()), std::move(child));
  }
  Kind kind() const override { return k; }
  array get_array() const override { return *a; }
  void set_array(const array& x) override { a = x; }
  nn::Module* module() const override { return m.get(); }
  bool set_module(const std::shared_ptr<nn::Module>& mod) override {
    m = mod;
    return true;
  }
  std::vector<std::pair<std::string, std::shared_ptr<nn::OwnedValue>>> items() const override {
    return {entries.begin(), entries.end()};
  }
};

struct Host : nn::Module {
  nn::Linear fc{2, 2};
  Host() { register_module("fc", fc); }
};
}  // namespace

TEST(Module, OwnedValuesJoinTheRegistryWalks) {
  Host host;
  auto layers = TestValue::list();
  layers->push(TestValue::of(std::make_shared<nn::Linear>(2, 3)));
  layers->push(TestValue::of(std::make_shared<nn::ReLU>()));
  host.set_owned("layers", layers);
  host.set_owned("scale", TestValue::of(ones({3})));
  EXPECT_EQ(keys_of(host.parameters()),
            (std::vector<std::string>{"fc.weight", "fc.bias", "layers.0.weight", "layers.0.bias",
                                      "scale"}));
  // The list is live: an entry added after registration is walked.
  layers->push(TestValue::of(std::make_shared<nn::Linear>(3, 1)));
  EXPECT_EQ(host.parameters()["layers"].size(), 3u);
  std::ostringstream os;
  os << host;
  EXPECT_EQ(os.str(),
            "Host(\n  (fc): Linear(input_dims=2, output_dims=2, bias=True)\n"
            "  (layers.0): Linear(input_dims=2, output_dims=3, bias=True)\n  (layers.1): ReLU()\n"
            "  (layers.2): Linear(input_dims=3, output_dims=1, bias=True)\n)");
  EXPECT_EQ(host.named_modules().size(), 5u);
}

TEST(Module, OwnedValuesUpdateFreezeAndReplace) {
  Host host;
  auto scale = TestValue::of(ones({3}));
  auto layers = TestValue::list();
  layers->push(TestValue::of(std::make_shared<nn::Linear>(2, 3)));
  host.set_owned("scale", scale);
  host.set_owned("layers", layers);
  Tree t = Tree::dict();
  t["scale"] = zeros({3});
  host.update(t);
  EXPECT_EQ(sum(scale->get_array()).item<float>(), 0.0f);
  Tree bad = Tree::dict();
  bad["scale"] = zeros({4});
  EXPECT_THROW_MSG(host.update(bad), std::invalid_argument,
                   "[update] Expected shape (3) for 'scale' but received shape (4).");
  host.freeze(false, std::vector<std::string>{"scale"}, true);
  EXPECT_EQ(keys_of(host.trainable_parameters()),
            (std::vector<std::string>{"fc.weight", "fc.bias", "layers.0.weight", "layers.0.bias"}));
  host.unfreeze();
  host.update_modules({{"layers.0", std::make_shared<nn::Tanh>()}});
  EXPECT_EQ(layers->entries[0].second->m->name(), "Tanh");
  EXPECT_THROW_MSG(host.set_owned("fc", scale), std::invalid_argument,
                   "'fc' is a registered member and cannot be replaced.");
  EXPECT_TRUE(host.remove_owned("scale"));
  EXPECT_FALSE(host.remove_owned("scale"));
  EXPECT_EQ(host.owned_names(), std::vector<std::string>{"layers"});
}

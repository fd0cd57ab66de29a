#include <cmath>
#include <filesystem>

#include <lmx/core/primitives.h>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {

struct Net : nn::Module {
  nn::Linear l1{4, 8}, l2{8, 3};
  Net() {
    register_module("l1", l1);
    register_module("l2", l2);
  }
  array operator()(array x) override { return l2(maximum(l1(x), 0.0f)); }
};

array net_loss(Net& m, const array& x, const array& y) {
  return mean(nn::losses::cross_entropy(m(x), y));
}

// Trains f(p) = sum((p - 3)^2) and returns the final parameter.
array minimise(optim::Optimizer& opt, int steps) {
  Tree params{{"p", zeros({3})}};
  auto loss = [](const std::vector<array>& v) { return sum(square(v[0] - 3.0f)); };
  for (int i = 0; i < steps; ++i) {
    auto g = grad(loss)({params["p"].as_array()});
    params = opt.apply_gradients(Tree{{"p", g[0]}}, params);
    eval(params, opt.state());
  }
  return params["p"].as_array();
}

}  // namespace

TEST(Optim, SgdFormulas) {
  optim::SGD sgd(0.1f);
  Tree p{{"w", array({1.0f, 2.0f})}};
  auto out = sgd.apply_gradients(Tree{{"w", array({1.0f, -1.0f})}}, p);
  EXPECT_TRUE(all_close(out["w"].as_array(), array({0.9f, 2.1f})));
  EXPECT_EQ(sgd.step().item<uint64_t>(), 1u);
  optim::SGD mom(0.1f, 0.9f, 0.0f, 0.0f, true);
  Tree q{{"w", array({1.0f})}};
  auto g = Tree{{"w", array({1.0f})}};
  q = mom.apply_gradients(g, q);  // v = 1, update = 1 + 0.9 = 1.9
  EXPECT_TRUE(all_close(q["w"].as_array(), array({1.0f - 0.19f})));
  q = mom.apply_gradients(g, q);  // v = 1.9, update = 1 + 1.71
  EXPECT_TRUE(all_close(q["w"].as_array(), array({0.81f - 0.271f})));
  optim::SGD wd(0.1f, 0.0f, 0.5f);
  auto r = wd.apply_gradients(Tree{{"w", array({0.0f})}}, Tree{{"w", array({2.0f})}});
  EXPECT_TRUE(all_close(r["w"].as_array(), array({2.0f - 0.1f * 1.0f})));
  EXPECT_THROW_MSG(optim::SGD(0.1f, 0.0f, 0.0f, 0.0f, true), std::invalid_argument, "[SGD]");
}

TEST(Optim, AdamFormulas) {
  optim::Adam adam(0.1f);
  auto out = adam.apply_gradients(Tree{{"w", array({2.0f})}}, Tree{{"w", array({1.0f})}});
  // m = 0.2, v = 0.004: 1 - 0.1 * 0.2 / (sqrt(0.004) + 1e-8)
  EXPECT_TRUE(all_close(out["w"].as_array(), array({1.0f - 0.1f * 0.2f / std::sqrt(0.004f)})));
  optim::Adam adam_bc(0.1f, {0.9f, 0.999f}, 1e-8f, true);
  auto out2 = adam_bc.apply_gradients(Tree{{"w", array({2.0f})}}, Tree{{"w", array({1.0f})}});
  EXPECT_TRUE(all_close(out2["w"].as_array(), array({0.9f}), 1e-5));  // first step moves by lr
  optim::AdamW adamw(0.1f);
  auto out3 = adamw.apply_gradients(Tree{{"w", array({2.0f})}}, Tree{{"w", array({1.0f})}});
  EXPECT_TRUE(
      all_close(out3["w"].as_array(), array({(1.0f - 0.001f) - 0.1f * 0.2f / std::sqrt(0.004f)})));
  EXPECT_TRUE(adamw.state()["w"].contains("m"));
}

TEST(Optim, AllOptimizersMinimise) {
  std::vector<std::pair<std::string, std::unique_ptr<optim::Optimizer>>> opts;
  opts.emplace_back("SGD", std::make_unique<optim::SGD>(0.1f, 0.5f));
  opts.emplace_back("RMSprop", std::make_unique<optim::RMSprop>(0.05f));
  opts.emplace_back("Adagrad", std::make_unique<optim::Adagrad>(0.5f));
  opts.emplace_back("AdaDelta", std::make_unique<optim::AdaDelta>(50.0f));
  opts.emplace_back("Adam", std::make_unique<optim::Adam>(0.1f));
  opts.emplace_back("AdamW",
                    std::make_unique<optim::AdamW>(0.1f, std::pair{0.9f, 0.999f}, 1e-8f, 0.0f));
  opts.emplace_back("Adamax", std::make_unique<optim::Adamax>(0.1f));
  opts.emplace_back("Lion", std::make_unique<optim::Lion>(0.01f));
  opts.emplace_back("Adafactor", std::make_unique<optim::Adafactor>(
                                     optim::LearningRate(0.1f), std::pair{1e-30f, 1e-3f}, 1.0f,
                                     -0.8f, std::nullopt, 0.0f, false, false));
  opts.emplace_back("Muon", std::make_unique<optim::Muon>(0.1f, 0.9f, 0.0f));
  for (auto& [name, opt] : opts) {
    auto p = minimise(*opt, 300);
    EXPECT_TRUE(all_close(p, full({3}, 3.0f), 0.05, 0.05)) << name << ": " << p;
  }
}

// Every optimizer fuses the elementwise chains of its update (as compile
// does) on parameters of 2^16 elements or more, and gets the unfused graph's
// values bit for bit, step after step, with a scheduled learning rate.
TEST(Optim, FusedUpdatesMatchTheUnfusedGraph) {
  auto make = [](const std::string& name) -> std::unique_ptr<optim::Optimizer> {
    optim::LearningRate lr(optim::exponential_decay(0.1f, 0.9f));
    if (name == "SGD") return std::make_unique<optim::SGD>(lr, 0.9f, 0.01f);
    if (name == "RMSprop") return std::make_unique<optim::RMSprop>(lr);
    if (name == "Adagrad") return std::make_unique<optim::Adagrad>(lr);
    if (name == "AdaDelta") return std::make_unique<optim::AdaDelta>(lr);
    if (name == "Adam")
      return std::make_unique<optim::Adam>(lr, std::pair{0.9f, 0.999f}, 1e-8f, true);
    if (name == "AdamW") return std::make_unique<optim::AdamW>(lr);
    if (name == "Adamax") return std::make_unique<optim::Adamax>(lr);
    return std::make_unique<optim::Lion>(lr);
  };
  const auto p0 = random::normal({257, 259}, random::key(1));
  for (std::string name :
       {"SGD", "RMSprop", "Adagrad", "AdaDelta", "Adam", "AdamW", "Adamax", "Lion"}) {
    auto fused = make(name), plain = make(name);
    Tree pf{{"w", p0}}, pp{{"w", p0}};
    for (int step = 0; step < 2; ++step) {
      auto g = random::normal({257, 259}, random::key(10 + step));
      pf = fused->apply_gradients(Tree{{"w", g}}, pf);
      if (name == "Adam" || name == "AdamW" || name == "RMSprop") {
        auto* c = pf["w"].as_array().has_primitive()
                      ? dynamic_cast<const Compiled*>(&pf["w"].as_array().primitive())
                      : nullptr;
        EXPECT_NE(c, nullptr) << name << ": the update was not fused";
      }
      eval(pf, fused->state());
      set_compile_mode(CompileMode::no_fuse);
      pp = plain->apply_gradients(Tree{{"w", g}}, pp);
      eval(pp, plain->state());
      set_compile_mode(CompileMode::enabled);
      EXPECT_TRUE(array_equal(pf["w"].as_array(), pp["w"].as_array()).item<bool>())
          << name << " step " << step;
      for (auto& [k, v] : plain->state()["w"].as_dict()) {
        EXPECT_TRUE(array_equal(fused->state()["w"][k].as_array(), v.as_array()).item<bool>())
            << name << " state " << k << " step " << step;
      }
    }
  }
}

TEST(Optim, SmallParametersAreNotFused) {
  optim::Adam adam(0.1f);
  auto out = adam.apply_gradients(Tree{{"w", ones({100, 100})}}, Tree{{"w", zeros({100, 100})}});
  EXPECT_EQ(dynamic_cast<const Compiled*>(&out["w"].as_array().primitive()), nullptr);
}

// Inside a transform the update is left as built (the transform sees the
// ordinary ops), and differentiating through it still works.
TEST(Optim, UpdatesUnderATransformAreNotFused) {
  optim::Adam adam(0.1f);
  adam.init(Tree{{"w", zeros({5})}});
  auto f = [&](const std::vector<array>& x) {
    Tree s = adam.state();
    auto out = adam.apply_gradients(Tree{{"w", x[0]}}, Tree{{"w", ones({5})}});
    adam.set_state(s);
    EXPECT_EQ(dynamic_cast<const Compiled*>(&out["w"].as_array().primitive()), nullptr);
    return std::vector<array>{sum(out["w"].as_array())};
  };
  auto x = array({1.0f, -2.0f, 3.0f, 0.5f, -0.25f});
  auto g = vjp(f, {x}, {array(1.0f)}).second[0];
  // d/dg of -lr * m / (sqrt(v) + eps) with m = 0.1 g, v = 0.001 g^2 is
  // -lr * (0.1 / sqrt(0.001)) * (1/|g| - g^2/|g|^3) = 0 (away from 0).
  EXPECT_TRUE(all_close(g, zeros({5}), 1e-4, 1e-4)) << g;
}

TEST(Optim, MuonOrthogonalisesMatrices) {
  optim::Muon muon(0.1f, 0.0f, 0.0f, false);
  auto g = random::normal({4, 4}, random::key(9));
  auto out = muon.apply_gradients(Tree{{"w", g}}, Tree{{"w", zeros({4, 4})}});
  auto u = out["w"].as_array() / -0.1f;
  // Newton-Schulz drives singular values towards 1: U U^T is near identity.
  auto uut = matmul(u, transpose(u));
  EXPECT_LT(max(abs(uut - eye(4))).item<float>(), 0.5f);
}

TEST(Optim, ObjectAndFunctionalStylesAgree) {
  random::seed(11);
  Net a;
  Net b = a;
  auto x = random::normal({16, 4}, random::key(1));
  auto y = random::randint(array(0), array(3), {16}, uint32, random::key(2));
  optim::SGD opt_a(0.1f, 0.9f), opt_b(0.1f, 0.9f);
  auto vg = nn::value_and_grad(a, net_loss);
  Tree params = b.trainable_parameters();
  for (int step = 0; step < 5; ++step) {
    auto [loss, grads] = vg(a, x, y);
    opt_a.update(a, grads);
    eval(a.parameters(), opt_a.state());
    // Functional: explicit parameters through Module::apply.
    auto flat = tree_flatten(params);
    std::vector<array> values;
    for (auto& [k, v] : flat) values.push_back(v);
    auto g = grad(
        [&](const std::vector<array>& ps) {
          std::vector<std::pair<std::string, array>> items;
          for (size_t i = 0; i < ps.size(); ++i) items.emplace_back(flat[i].first, ps[i]);
          return mean(nn::losses::cross_entropy(b.apply(tree_unflatten(items), x), y));
        },
        std::vector<int>{0, 1, 2, 3})(values);
    std::vector<std::pair<std::string, array>> gi;
    for (size_t i = 0; i < g.size(); ++i) gi.emplace_back(flat[i].first, g[i]);
    params = opt_b.update(params, tree_unflatten(gi));
    eval(params, opt_b.state());
  }
  auto fa = tree_flatten(a.parameters()), fb = tree_flatten(params);
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i) {
    EXPECT_EQ(fa[i].first, fb[i].first);
    EXPECT_TRUE(array_equal(fa[i].second, fb[i].second).item<bool>()) << fa[i].first;
  }
}

TEST(Optim, SchedulesAndScheduledLearningRate) {
  auto s = [](const optim::Schedule& f, int step) {
    return f(array(static_cast<uint64_t>(step))).item<float>();
  };
  EXPECT_NEAR(s(optim::exponential_decay(0.1f, 0.5f), 2), 0.025f, 1e-7);
  EXPECT_NEAR(s(optim::step_decay(0.1f, 0.5f, 10), 25), 0.025f, 1e-7);
  EXPECT_NEAR(s(optim::cosine_decay(1.0f, 10), 5), 0.5f, 1e-6);
  EXPECT_NEAR(s(optim::cosine_decay(1.0f, 10, 0.1f), 20), 0.1f, 1e-6);
  EXPECT_NEAR(s(optim::linear_schedule(0.0f, 1.0f, 10), 3), 0.3f, 1e-6);
  EXPECT_NEAR(s(optim::linear_schedule(0.0f, 1.0f, 10), 30), 1.0f, 1e-6);
  auto joined = optim::join_schedules(
      {optim::linear_schedule(0.0f, 1.0f, 10), optim::exponential_decay(1.0f, 0.5f)}, {10});
  EXPECT_NEAR(s(joined, 5), 0.5f, 1e-6);
  EXPECT_NEAR(s(joined, 12), 0.25f, 1e-6);
  EXPECT_THROW_MSG(optim::join_schedules({optim::exponential_decay(1.0f, 0.5f)}, {3}),
                   std::invalid_argument, "[join_schedules]");
  optim::SGD sgd(optim::linear_schedule(0.0f, 1.0f, 10));
  EXPECT_NEAR(sgd.learning_rate().item<float>(), 0.0f, 1e-7);
  auto p = sgd.apply_gradients(Tree{{"w", array({1.0f})}}, Tree{{"w", array({0.0f})}});
  EXPECT_NEAR(sgd.learning_rate().item<float>(), 0.1f, 1e-6);  // scheduled at the new step
  EXPECT_TRUE(all_close(p["w"].as_array(), array({-0.1f})));
}

TEST(Optim, ClipGradNorm) {
  Tree g{{"a", array({3.0f})}, {"b", array({4.0f})}};
  auto [clipped, norm] = optim::clip_grad_norm(g, 1.0f);
  EXPECT_NEAR(norm.item<float>(), 5.0f, 1e-6);
  EXPECT_TRUE(all_close(clipped["a"].as_array(), array({0.6f}), 1e-5));
  auto [same, n2] = optim::clip_grad_norm(g, 10.0f);
  EXPECT_TRUE(all_close(same["b"].as_array(), array({4.0f})));
}

TEST(Optim, MultiOptimizerRoutesByPath) {
  auto sgd = std::make_shared<optim::SGD>(1.0f);
  auto zero = std::make_shared<optim::SGD>(0.0f);
  optim::MultiOptimizer multi({sgd, zero},
                              {[](const std::string& path, const array&) { return path == "a"; }});
  auto out = multi.apply_gradients(Tree{{"a", array({1.0f})}, {"b", array({1.0f})}},
                                   Tree{{"a", array({0.0f})}, {"b", array({0.0f})}});
  EXPECT_TRUE(all_close(out["a"].as_array(), array({-1.0f})));
  EXPECT_TRUE(all_close(out["b"].as_array(), array({0.0f})));
  EXPECT_THROW_MSG(
      optim::MultiOptimizer({sgd}, {[](const std::string&, const array&) { return true; }}),
      std::invalid_argument, "[optimizer] MultiOptimizer needs one filter fewer");
}

TEST(Optim, StateSavesAndResumes) {
  auto path = (std::filesystem::temp_directory_path() / "lmx_opt_state.safetensors").string();
  random::seed(4);
  Net a;
  Net b = a;
  auto x = random::normal({8, 4}, random::key(1));
  auto y = random::randint(array(0), array(3), {8}, uint32, random::key(2));
  optim::Adam oa(0.01f);
  auto vga = nn::value_and_grad(a, net_loss);
  for (int i = 0; i < 3; ++i) {
    auto [l, g] = vga(a, x, y);
    oa.update(a, g);
    eval(a.parameters(), oa.state());
  }
  oa.save_state(path);
  b.update(a.parameters());
  optim::Adam ob(0.01f);
  ob.load_state(path);
  EXPECT_EQ(ob.step().item<uint64_t>(), 3u);
  auto vgb = nn::value_and_grad(b, net_loss);
  auto [la, ga] = vga(a, x, y);
  oa.update(a, ga);
  auto [lb, gb] = vgb(b, x, y);
  ob.update(b, gb);
  auto fa = tree_flatten(a.parameters()), fb = tree_flatten(b.parameters());
  for (size_t i = 0; i < fa.size(); ++i)
    EXPECT_TRUE(array_equal(fa[i].second, fb[i].second).item<bool>());
  std::filesystem::remove(path);
}

TEST(Optim, GradientWithoutParameterIsAnError) {
  optim::SGD sgd(0.1f);
  EXPECT_THROW_MSG(sgd.apply_gradients(Tree{{"w", array({1.0f})}}, Tree{{"v", array({1.0f})}}),
                   std::invalid_argument, "[optimizer] No parameter for the gradient at 'w'.");
  EXPECT_THROW_MSG(
      sgd.apply_gradients(Tree{{"w", array({1.0f})}}, Tree{{"w", array({1.0f, 2.0f})}}),
      std::invalid_argument, "[optimizer] Gradient shape (1) does not match parameter shape (2)");
}

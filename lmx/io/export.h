// Exported functions (MLX's export_function / import_function / exporter): a
// function is traced on example inputs and its graph — primitives with their
// parameters, the constants it captured, and its inputs' shapes and dtypes —
// is written to a file, which this process or another imports and runs. A
// file holds one trace per input signature (an exporter adds one per call);
// an imported function runs the trace whose positional and keyword inputs
// match the call's in number, dtype and shape (with shapeless, in rank). The
// imported graph is lazy like any other: it evaluates, differentiates and
// vmaps as the original would. Files are versioned and every count, size,
// reference and parameter is checked against the bytes present on import.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

using Args = std::vector<array>;
using Kwargs = std::map<std::string, array>;

namespace io {
struct FunctionTable;
}

// Adds one trace of `fun` to its file per call, rewriting the file whole
// (atomically) each time, so the file always holds every trace so far.
class FunctionExporter {
 public:
  void operator()(const std::initializer_list<array>& args) { (*this)(Args(args)); }
  void operator()(const Args& args);
  void operator()(const Kwargs& kwargs);
  void operator()(const Args& args, const Kwargs& kwargs);
  // Further calls are errors.
  void close();

  FunctionExporter(const std::string& file,
                   std::function<std::vector<array>(const Args&, const Kwargs&)> fun,
                   bool shapeless);
  FunctionExporter(const FunctionExporter&) = delete;
  FunctionExporter& operator=(const FunctionExporter&) = delete;
  FunctionExporter(FunctionExporter&&) noexcept;
  FunctionExporter& operator=(FunctionExporter&&) noexcept;
  ~FunctionExporter();

 private:
  std::string file_;
  std::function<std::vector<array>(const Args&, const Kwargs&)> fun_;
  std::unique_ptr<io::FunctionTable> table_;
  bool closed_ = false;
};

FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Args&)>& fun,
                          bool shapeless = false);
FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Kwargs&)>& fun,
                          bool shapeless = false);
FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Args&, const Kwargs&)>& fun,
                          bool shapeless = false);

void export_function(const std::string& file,
                     const std::function<std::vector<array>(const Args&)>& fun, const Args& args,
                     bool shapeless = false);
void export_function(const std::string& file,
                     const std::function<std::vector<array>(const Kwargs&)>& fun,
                     const Kwargs& kwargs, bool shapeless = false);
void export_function(const std::string& file,
                     const std::function<std::vector<array>(const Args&, const Kwargs&)>& fun,
                     const Args& args, const Kwargs& kwargs, bool shapeless = false);

class ImportedFunction {
 public:
  std::vector<array> operator()(const std::initializer_list<array>& args) const {
    return (*this)(Args(args));
  }
  std::vector<array> operator()(const Args& args) const;
  std::vector<array> operator()(const Kwargs& kwargs) const;
  std::vector<array> operator()(const Args& args, const Kwargs& kwargs) const;

  explicit ImportedFunction(std::shared_ptr<const io::FunctionTable> table);

 private:
  std::shared_ptr<const io::FunctionTable> table_;
};

ImportedFunction import_function(const std::string& file);

}  // namespace lmx

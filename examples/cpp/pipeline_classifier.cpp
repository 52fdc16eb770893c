// The pipeline's author classifier served from C++ (no Python): loads the
// .safetensors that examples/pipeline/train.py packaged, reads the config
// from its metadata, runs the forward pass on the fixed inputs that
// prepare.py stored, and prints (and writes) the predictions, which the demo
// compares with the Python ones.
//
// Model (examples/pipeline/common.py, NgramClassifier):
//   mask    = ids > 0                                   (N, F, 1)
//   pooled  = sum(embedding[ids] * mask, 1) / max(sum(mask, 1), 1)
//   logits  = relu(pooled @ hidden.weight^T + hidden.bias) @ out.weight^T +
//   out.bias
//
// Usage: example_pipeline_classifier <author_classifier.safetensors>
//            <fixed_inputs.safetensors> [predictions_cpp.tsv]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/io/io.h"
#include "ember/io/json.h"

using namespace ember;

namespace {

const array& weight(const SafetensorsLoad& file, const std::string& name) {
  auto it = file.first.find(name);
  if (it == file.first.end()) {
    throw std::invalid_argument(
        "[pipeline_classifier] The model file has no tensor '" + name + "'.");
  }
  return it->second;
}

const io::json::Value& field(const io::json::Value& obj,
                             const std::string& key) {
  for (const auto& [k, v] : obj.fields) {
    if (k == key) return v;
  }
  throw std::invalid_argument(
      "[pipeline_classifier] The config has no field '" + key + "'.");
}

struct Classifier {
  array embedding, hidden_w, hidden_b, out_w, out_b;
  std::vector<std::string> labels;
  int num_buckets = 0, max_features = 0;

  static Classifier load(const std::string& path) {
    SafetensorsLoad file = load_safetensors(path);
    auto meta = file.second.find("config");
    if (meta == file.second.end()) {
      throw std::invalid_argument("[pipeline_classifier] " + path +
                                  " has no 'config' metadata.");
    }
    io::json::Value config =
        io::json::parse(meta->second, "pipeline_classifier", "config metadata");
    if (field(config, "kind").text != "ngram_classifier") {
      throw std::invalid_argument(
          "[pipeline_classifier] Expected kind 'ngram_classifier'; got '" +
          field(config, "kind").text + "'.");
    }
    Classifier c{weight(file, "embedding.weight"),
                 weight(file, "hidden.weight"), weight(file, "hidden.bias"),
                 weight(file, "out.weight"), weight(file, "out.bias")};
    for (const auto& label : field(config, "labels").items)
      c.labels.push_back(label.text);
    c.num_buckets = static_cast<int>(io::json::to_uint(
        field(config, "num_buckets"), "pipeline_classifier", "num_buckets"));
    c.max_features = static_cast<int>(io::json::to_uint(
        field(config, "max_features"), "pipeline_classifier", "max_features"));
    if (c.embedding.ndim() != 2 || c.embedding.shape(0) != c.num_buckets ||
        c.out_w.ndim() != 2 ||
        c.out_w.shape(0) != static_cast<int>(c.labels.size())) {
      throw std::invalid_argument(
          "[pipeline_classifier] Weight shapes do not match the config.");
    }
    eval({c.embedding, c.hidden_w, c.hidden_b, c.out_w, c.out_b});
    return c;
  }

  // Class probabilities (N, C) of hashed n-gram ids (N, F).
  array probabilities(const array& ids) const {
    array mask = expand_dims(astype(greater(ids, array(0)), float32), -1);
    array count = maximum(sum(mask, 1), array(1.0f));
    array pooled = sum(multiply(take(embedding, ids, 0), mask), 1) / count;
    array h = maximum(add(matmul(pooled, transpose(hidden_w)), hidden_b),
                      array(0.0f));
    array logits = add(matmul(h, transpose(out_w)), out_b);
    return softmax(logits, -1);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0]
              << " <author_classifier.safetensors> <fixed_inputs.safetensors> "
                 "[predictions.tsv]\n";
    return 2;
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    Classifier model = Classifier::load(argv[1]);
    auto t1 = std::chrono::steady_clock::now();

    SafetensorsLoad inputs = load_safetensors(argv[2]);
    array ids = weight(inputs, "features");
    if (ids.ndim() != 2 || ids.shape(1) != model.max_features) {
      throw std::invalid_argument(
          "[pipeline_classifier] features must be (N, " +
          std::to_string(model.max_features) + ").");
    }
    ids = astype(ids, int32);
    array probs = model.probabilities(ids);
    array pred = argmax(probs, -1);
    eval({probs, pred});
    auto t2 = std::chrono::steady_clock::now();

    const int n = ids.shape(0), c = probs.shape(1);
    std::vector<float> p(probs.data<float>(), probs.data<float>() + n * c);
    std::vector<uint32_t> best(pred.data<uint32_t>(),
                               pred.data<uint32_t>() + n);

    // The sentences themselves, if prepare.py's .tsv sits next to the inputs.
    std::vector<std::string> texts;
    std::string tsv = argv[2];
    if (tsv.size() > 12 &&
        tsv.compare(tsv.size() - 12, 12, ".safetensors") == 0) {
      std::ifstream in(tsv.substr(0, tsv.size() - 12) + ".tsv");
      std::string line;
      for (bool header = true; std::getline(in, line); header = false) {
        if (!header)
          texts.push_back(
              line.substr(line.find('\t', line.find('\t') + 1) + 1));
      }
    }

    std::ofstream out;
    if (argc > 3) {
      out.open(argv[3]);
      if (!out)
        throw std::runtime_error(
            std::string("[pipeline_classifier] Cannot write ") + argv[3]);
      out << "index\tlabel_id\tlabel\tprobability\n";
    }
    std::cout << "C++ classifier: " << model.labels.size() << " authors, " << n
              << " inputs; load "
              << std::chrono::duration<double, std::milli>(t1 - t0).count()
              << " ms, forward "
              << std::chrono::duration<double, std::milli>(t2 - t1).count()
              << " ms\n";
    for (int i = 0; i < n; ++i) {
      char prob[32];
      std::snprintf(prob, sizeof(prob), "%.6f", p[i * c + best[i]]);
      std::string text =
          i < static_cast<int>(texts.size()) ? texts[i].substr(0, 60) : "";
      std::printf("  %2d  %-20s %s  %s\n", i, model.labels[best[i]].c_str(),
                  prob, text.c_str());
      if (out)
        out << i << "\t" << best[i] << "\t" << model.labels[best[i]] << "\t"
            << prob << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

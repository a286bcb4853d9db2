// SPDX-License-Identifier: Apache-2.0
// hf_fixture.h: reads the Hugging Face reference fixtures of tests/fixtures/hf (written by
// transformers / PEFT, see its README.md) for the decoder tests: a minimal JSON parser, a
// safetensors reader (F64 / F32 / BF16 / F16, sharded through model.safetensors.index.json) and the
// LlamaConfig -> mos_decoder_config_t mapping. Test code only: strict enough for these files.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mos/mos.h"

namespace hf {

// ---- JSON -----------------------------------------------------------------------------------------
struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool b = false;
  double num = 0.0;
  std::string str;
  std::vector<Json> arr;
  std::vector<std::pair<std::string, Json>> obj;

  const Json* find(const std::string& key) const {
    for (const auto& kv : obj)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  const Json& operator[](const std::string& key) const {
    const Json* j = find(key);
    if (!j) throw std::runtime_error("JSON key '" + key + "' missing");
    return *j;
  }
  const Json& operator[](size_t i) const { return arr.at(i); }
  double number() const { return num; }
  int64_t integer() const { return static_cast<int64_t>(num); }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}
  Json parse() {
    Json v = value();
    ws();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("JSON: ") + what + " at offset " + std::to_string(i_));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(const char* lit) {
    const size_t n = std::strlen(lit);
    if (s_.compare(i_, n, lit) != 0) return false;
    i_ += n;
    return true;
  }
  std::string string() {
    if (s_[i_] != '"') fail("string expected");
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\') {
        const char e = s_[i_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': {  // BMP only, as UTF-8 (enough for these files)
            const unsigned cp = static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16));
            i_ += 4;
            if (cp < 0x80) {
              out += static_cast<char>(cp);
            } else if (cp < 0x800) {
              out += static_cast<char>(0xc0 | (cp >> 6));
              out += static_cast<char>(0x80 | (cp & 0x3f));
            } else {
              out += static_cast<char>(0xe0 | (cp >> 12));
              out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
              out += static_cast<char>(0x80 | (cp & 0x3f));
            }
            break;
          }
          default: out += e;
        }
      } else {
        out += c;
      }
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;
    return out;
  }
  Json value() {
    ws();
    if (i_ >= s_.size()) fail("value expected");
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      v.kind = Json::kObject;
      ++i_;
      ws();
      if (s_[i_] == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        ws();
        std::string k = string();
        ws();
        if (s_[i_++] != ':') fail("':' expected");
        v.obj.emplace_back(std::move(k), value());
        ws();
        if (s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (s_[i_++] != '}') fail("'}' expected");
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::kArray;
      ++i_;
      ws();
      if (s_[i_] == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        v.arr.push_back(value());
        ws();
        if (s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (s_[i_++] != ']') fail("']' expected");
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::kString;
      v.str = string();
      return v;
    }
    if (eat("true")) {
      v.kind = Json::kBool;
      v.b = true;
      return v;
    }
    if (eat("false")) {
      v.kind = Json::kBool;
      return v;
    }
    if (eat("null")) return v;
    size_t used = 0;
    v.kind = Json::kNumber;
    v.num = std::stod(s_.substr(i_, 64), &used);
    i_ += used;
    return v;
  }
  const std::string& s_;
  size_t i_ = 0;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline Json read_json(const std::string& path) {
  const std::string text = read_text(path);
  return JsonParser(text).parse();
}

// ---- safetensors ------------------------------------------------------------------------------
struct Tensor {
  std::string dtype;  // "F64", "F32", "BF16", "F16"
  std::vector<int64_t> shape;
  std::shared_ptr<std::string> file;  // the whole file's bytes
  size_t begin = 0, end = 0;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  const void* data() const { return file->data() + begin; }
  // Every element as f32 (F64 rounded to nearest, the others exact).
  std::vector<float> f32() const {
    std::vector<float> out(static_cast<size_t>(numel()));
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data());
    for (size_t e = 0; e < out.size(); ++e) {
      if (dtype == "F64") {
        double d;
        std::memcpy(&d, p + 8 * e, 8);
        out[e] = static_cast<float>(d);
      } else if (dtype == "F32") {
        std::memcpy(&out[e], p + 4 * e, 4);
      } else if (dtype == "BF16") {
        uint32_t bits = static_cast<uint32_t>(p[2 * e] | (p[2 * e + 1] << 8)) << 16;
        std::memcpy(&out[e], &bits, 4);
      } else {
        throw std::runtime_error("f32(): dtype " + dtype);
      }
    }
    return out;
  }
};

inline std::map<std::string, Tensor> read_safetensors(const std::string& path) {
  auto bytes = std::make_shared<std::string>(read_text(path));
  uint64_t n = 0;
  std::memcpy(&n, bytes->data(), 8);
  const Json header = JsonParser(bytes->substr(8, n)).parse();
  std::map<std::string, Tensor> out;
  for (const auto& kv : header.obj) {
    if (kv.first == "__metadata__") continue;
    Tensor t;
    t.dtype = kv.second["dtype"].str;
    for (const Json& d : kv.second["shape"].arr) t.shape.push_back(d.integer());
    t.file = bytes;
    t.begin = 8 + n + static_cast<size_t>(kv.second["data_offsets"][0].integer());
    t.end = 8 + n + static_cast<size_t>(kv.second["data_offsets"][1].integer());
    out.emplace(kv.first, std::move(t));
  }
  return out;
}

// Every tensor of a checkpoint directory (one file or sharded).
inline std::map<std::string, Tensor> read_checkpoint(const std::string& dir) {
  std::ifstream single(dir + "/model.safetensors");
  if (single) return read_safetensors(dir + "/model.safetensors");
  const Json index = read_json(dir + "/model.safetensors.index.json");
  std::map<std::string, Tensor> out;
  std::map<std::string, bool> seen;
  for (const auto& kv : index["weight_map"].obj) {
    if (seen[kv.second.str]) continue;
    seen[kv.second.str] = true;
    for (auto& t : read_safetensors(dir + "/" + kv.second.str)) out.insert(std::move(t));
  }
  return out;
}

// LlamaConfig (config.json as transformers 5 writes it) -> the decoder's config.
inline mos_decoder_config_t decoder_config(const Json& j, mos_dtype_t storage) {
  mos_decoder_config_t c{};
  c.vocab_size = static_cast<int32_t>(j["vocab_size"].integer());
  c.hidden_size = static_cast<int32_t>(j["hidden_size"].integer());
  c.intermediate_size = static_cast<int32_t>(j["intermediate_size"].integer());
  c.num_layers = static_cast<int32_t>(j["num_hidden_layers"].integer());
  c.num_heads = static_cast<int32_t>(j["num_attention_heads"].integer());
  c.num_kv_heads = j.find("num_key_value_heads")
                       ? static_cast<int32_t>(j["num_key_value_heads"].integer())
                       : c.num_heads;
  c.head_dim = j.find("head_dim") && j["head_dim"].kind == Json::kNumber
                   ? static_cast<int32_t>(j["head_dim"].integer())
                   : c.hidden_size / c.num_heads;
  c.max_positions = static_cast<int32_t>(j["max_position_embeddings"].integer());
  c.rms_norm_eps = static_cast<float>(j["rms_norm_eps"].number());
  const Json& rope = j["rope_parameters"];
  c.rope_theta = static_cast<float>(rope["rope_theta"].number());
  c.rope_type = MOS_ROPE_DEFAULT;
  if (rope["rope_type"].str == "llama3") {
    c.rope_type = MOS_ROPE_LLAMA3;
    c.rope_factor = static_cast<float>(rope["factor"].number());
    c.rope_low_freq_factor = static_cast<float>(rope["low_freq_factor"].number());
    c.rope_high_freq_factor = static_cast<float>(rope["high_freq_factor"].number());
    c.rope_original_max_positions =
        static_cast<int32_t>(rope["original_max_position_embeddings"].integer());
  }
  const bool bias = j.find("attention_bias") && j["attention_bias"].b;
  c.qkv_bias = bias ? 1 : 0;
  c.o_bias = bias ? 1 : 0;
  c.tie_word_embeddings = j.find("tie_word_embeddings") && j["tie_word_embeddings"].b ? 1 : 0;
  c.weight_dtype = storage;
  return c;
}

}  // namespace hf

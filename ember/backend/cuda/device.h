// GPU device information (CUDA backend).
#pragma once

#include <string>
#include <unordered_map>
#include <variant>

namespace ember::cuda {
/// Name, architecture, total memory and SM count of a GPU.
std::unordered_map<std::string, std::variant<std::string, size_t>> device_info(
    int index = 0);
}  // namespace ember::cuda

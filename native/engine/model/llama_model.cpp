#include "model/llama_model.h"

namespace llava {

std::unique_ptr<llama_model> llama_model::load(const std::string& path) {
    std::unique_ptr<gguf_file> file = gguf_file::open(path);
    llama_hparams hparams = llama_hparams::read(*file);
    llama_weights weights = llama_weights::load(*file, hparams);
    return std::unique_ptr<llama_model>(new llama_model(std::move(file), std::move(hparams), std::move(weights)));
}

} // namespace llava

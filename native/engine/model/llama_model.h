// A loaded LLaMA text model: the mapped file, its hyper-parameters and its
// weight views. Immutable after loading, so several decoders may share it.
#pragma once

#include "gguf/gguf_file.h"
#include "model/llama_hparams.h"
#include "model/llama_weights.h"

#include <memory>
#include <string>

namespace llava {

class llama_model {
public:
    // Throws gguf_error for unreadable files and for files that are not a usable llama model.
    static std::unique_ptr<llama_model> load(const std::string& path);

    const gguf_file& file() const { return *file_; }
    const llama_hparams& hparams() const { return hparams_; }
    const llama_weights& weights() const { return weights_; }

private:
    llama_model(std::unique_ptr<gguf_file> file, llama_hparams hparams, llama_weights weights)
        : file_(std::move(file)), hparams_(std::move(hparams)), weights_(std::move(weights)) {}

    std::unique_ptr<gguf_file> file_;
    llama_hparams hparams_;
    llama_weights weights_;
};

} // namespace llava

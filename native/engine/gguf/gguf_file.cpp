#include "gguf/gguf_file.h"

#include "gguf/byte_cursor.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace llava {

namespace {

constexpr uint32_t gguf_magic = 0x46554747; // "GGUF" read as a little-endian u32
constexpr uint64_t max_signed = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// The smallest encodings, used to reject counts that could never fit in the
// bytes that remain (so a huge count fails fast instead of allocating).
constexpr uint64_t min_kv_bytes = 8 + 4 + 1;               // empty key, type, one-byte value
constexpr uint64_t min_tensor_info_bytes = 8 + 4 + 4 + 8;  // empty name, n_dims = 0, type, offset

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

} // namespace

std::unique_ptr<gguf_file> gguf_file::open(const std::string& path) {
    auto map = std::make_unique<mapped_file>(path);
    const uint8_t* data = map->data();
    const uint64_t size = map->size();
    std::unique_ptr<gguf_file> file(new gguf_file(std::move(map), data, size, path));
    file->parse();
    return file;
}

std::unique_ptr<gguf_file> gguf_file::from_memory(const uint8_t* data, uint64_t size, std::string name) {
    std::unique_ptr<gguf_file> file(new gguf_file(nullptr, data, size, std::move(name)));
    file->parse();
    return file;
}

gguf_file::gguf_file(std::unique_ptr<mapped_file> map, const uint8_t* data, uint64_t size, std::string path)
    : map_(std::move(map)), bytes_(data), size_(size), path_(std::move(path)) {}

void gguf_file::parse() {
    byte_cursor cursor(bytes_, size_);

    const uint32_t magic = cursor.read<uint32_t>("magic");
    if (magic != gguf_magic) {
        throw gguf_error(gguf_error_code::bad_magic, "magic", 0, "not a GGUF file (the first four bytes are not 'GGUF')");
    }

    version_ = cursor.read<uint32_t>("version");
    if (version_ == 1) {
        throw gguf_error(gguf_error_code::unsupported_version, "version", 4,
                         "GGUF version 1 (32-bit counts) is not supported; re-convert the file");
    }
    if (version_ > 0xFFFF && (version_ & 0xFFFF) == 0) {
        throw gguf_error(gguf_error_code::unsupported_version, "version", 4,
                         "big-endian GGUF files are not supported");
    }
    if (version_ != 2 && version_ != 3) {
        throw gguf_error(gguf_error_code::unsupported_version, "version", 4,
                         "unsupported GGUF version " + std::to_string(version_) + " (expected 2 or 3)");
    }

    const uint64_t tensor_count = cursor.read<uint64_t>("tensor_count");
    const uint64_t kv_count = cursor.read<uint64_t>("kv_count");
    if (tensor_count > max_signed || tensor_count > cursor.remaining() / min_tensor_info_bytes) {
        throw gguf_error(gguf_error_code::bad_count, "tensor_count", 8,
                         "tensor count " + std::to_string(tensor_count) + " cannot fit in a file of " +
                             std::to_string(size_) + " bytes");
    }
    if (kv_count > max_signed || kv_count > cursor.remaining() / min_kv_bytes) {
        throw gguf_error(gguf_error_code::bad_count, "kv_count", 16,
                         "metadata count " + std::to_string(kv_count) + " cannot fit in a file of " +
                             std::to_string(size_) + " bytes");
    }

    parse_metadata(cursor, kv_count);
    parse_tensor_infos(cursor, tensor_count);

    // The data section starts at the next multiple of the alignment. A file
    // without tensors may end before that padding (vocab-only files do).
    const uint64_t end_of_infos = cursor.position();
    const uint64_t padding = (alignment_ - end_of_infos % alignment_) % alignment_;
    data_offset_ = end_of_infos + padding;
    if (!tensors_.empty() && data_offset_ > size_) {
        throw gguf_error(gguf_error_code::truncated, "data section", end_of_infos,
                         "the file ends at " + std::to_string(size_) + " before its data section at " +
                             std::to_string(data_offset_));
    }
    place_tensors();
}

void gguf_file::parse_metadata(byte_cursor& cursor, uint64_t kv_count) {
    kvs_.reserve(kv_count);
    for (uint64_t i = 0; i < kv_count; ++i) {
        gguf_kv kv{};
        kv.record_offset = cursor.position();
        const std::string where = "metadata[" + std::to_string(i) + "]";
        kv.key = cursor.read_string(where + ".key");
        const std::string field = "metadata " + quoted(kv.key);

        const uint64_t type_at = cursor.position();
        const uint32_t type_id = cursor.read<uint32_t>(field + " type");
        if (!gguf_is_known_type(type_id)) {
            throw gguf_error(gguf_error_code::bad_value_type, field, type_at,
                             field + ": unknown value type " + std::to_string(type_id));
        }
        kv.type = static_cast<gguf_value_type>(type_id);
        kv.payload_offset = cursor.position();

        if (kv.type == gguf_value_type::string) {
            cursor.read_string(field);
        } else if (kv.type == gguf_value_type::array) {
            const uint64_t item_type_at = cursor.position();
            const uint32_t item_type = cursor.read<uint32_t>(field + " item type");
            if (!gguf_is_known_type(item_type) || item_type == static_cast<uint32_t>(gguf_value_type::array)) {
                throw gguf_error(gguf_error_code::bad_value_type, field, item_type_at,
                                 field + ": unsupported array item type " + std::to_string(item_type));
            }
            const uint64_t count_at = cursor.position();
            const uint64_t count = cursor.read<uint64_t>(field + " item count");
            kv.item_type = static_cast<gguf_value_type>(item_type);
            kv.item_count = count;
            kv.payload_offset = cursor.position();
            const uint64_t item_size = gguf_fixed_size(item_type);
            const uint64_t min_item = item_size != 0 ? item_size : 8; // a string is at least its length prefix
            if (count > cursor.remaining() / min_item) {
                throw gguf_error(gguf_error_code::bad_count, field, count_at,
                                 field + ": array of " + std::to_string(count) + " items cannot fit in the " +
                                     std::to_string(cursor.remaining()) + " bytes left");
            }
            if (item_size != 0) {
                cursor.skip(count * item_size, field);
            } else {
                for (uint64_t j = 0; j < count; ++j) cursor.read_string(field);
            }
        } else {
            cursor.skip(gguf_fixed_size(type_id), field);
        }

        if (!kv_index_.emplace(kv.key, kvs_.size()).second) {
            throw gguf_error(gguf_error_code::duplicate_key, field, kv.record_offset,
                             field + " appears more than once");
        }
        kvs_.push_back(kv);
    }

    if (const gguf_kv* kv = find("general.alignment")) {
        if (!gguf_is_integer(kv->type)) {
            throw gguf_error(gguf_error_code::bad_alignment, "general.alignment", kv->payload_offset,
                             std::string("general.alignment has type ") + gguf_value_type_name(kv->type) +
                                 ", expected an unsigned integer");
        }
        // A UINT64 is taken as raw bits: read_int would report one above INT64_MAX as a
        // wrong type, when it is simply an alignment that is too large.
        const bool is_uint64 = kv->type == gguf_value_type::uint64;
        const int64_t value = is_uint64 ? 0 : read_int(*kv);
        const uint64_t magnitude = is_uint64 ? read_uint64_bits(*kv) : static_cast<uint64_t>(value);
        if (value < 0 || !is_power_of_two(magnitude) || magnitude > (uint64_t(1) << 30)) {
            const std::string shown = value < 0 ? std::to_string(value) : std::to_string(magnitude);
            throw gguf_error(gguf_error_code::bad_alignment, "general.alignment", kv->payload_offset,
                             "general.alignment " + shown + " is not a power of two up to 2^30");
        }
        alignment_ = static_cast<uint32_t>(magnitude);
    }
}

void gguf_file::parse_tensor_infos(byte_cursor& cursor, uint64_t tensor_count) {
    tensors_.reserve(tensor_count);
    for (uint64_t i = 0; i < tensor_count; ++i) {
        gguf_tensor_info info{};
        info.record_offset = cursor.position();
        const std::string where = "tensor[" + std::to_string(i) + "]";
        info.name = cursor.read_string(where + ".name");
        const std::string field = "tensor " + quoted(info.name);
        if (info.name.size() > gguf_max_tensor_name) {
            throw gguf_error(gguf_error_code::bad_tensor_name, field, info.record_offset,
                             where + ": name is " + std::to_string(info.name.size()) + " bytes long (at most " +
                                 std::to_string(gguf_max_tensor_name) + ")");
        }

        const uint64_t dims_at = cursor.position();
        info.n_dims = cursor.read<uint32_t>(field + " n_dims");
        if (info.n_dims > gguf_max_dims) {
            throw gguf_error(gguf_error_code::bad_dimensions, field, dims_at,
                             field + ": " + std::to_string(info.n_dims) + " dimensions (at most 4)");
        }
        uint64_t n_elements = 1;
        for (uint32_t d = 0; d < gguf_max_dims; ++d) {
            if (d >= info.n_dims) {
                info.ne[d] = 1;
                continue;
            }
            const uint64_t ne_at = cursor.position();
            const uint64_t ne = cursor.read<uint64_t>(field + " ne[" + std::to_string(d) + "]");
            if (ne > max_signed || (ne != 0 && n_elements > max_signed / ne)) {
                throw gguf_error(gguf_error_code::bad_dimensions, field, ne_at,
                                 field + ": dimension " + std::to_string(d) + " = " + std::to_string(ne) +
                                     " overflows the element count");
            }
            n_elements *= ne;
            info.ne[d] = static_cast<int64_t>(ne);
        }

        const uint64_t type_at = cursor.position();
        const uint32_t type_id = cursor.read<uint32_t>(field + " type");
        const tensor_type_traits* traits = find_tensor_type(type_id);
        if (traits == nullptr) {
            throw gguf_error(gguf_error_code::unknown_tensor_type, field, type_at,
                             field + ": unknown tensor type id " + std::to_string(type_id));
        }
        info.type = static_cast<tensor_type>(type_id);

        if (static_cast<uint64_t>(info.ne[0]) % traits->block_size != 0) {
            throw gguf_error(gguf_error_code::bad_shape, field, dims_at,
                             field + ": ne[0] = " + std::to_string(info.ne[0]) + " is not a multiple of the " +
                                 traits->name + " block size " + std::to_string(traits->block_size));
        }
        // With ne[0] a whole number of blocks, row_bytes fails only when a row's byte size overflows.
        uint64_t row_size = 0;
        const bool row_fits = row_bytes(info.type, static_cast<uint64_t>(info.ne[0]), row_size);
        const uint64_t rows = info.ne[0] == 0 ? 0 : n_elements / static_cast<uint64_t>(info.ne[0]);
        if (!row_fits || (row_size != 0 && rows > max_signed / row_size)) {
            throw gguf_error(gguf_error_code::bad_dimensions, field, dims_at,
                             field + ": byte size overflows");
        }
        info.n_bytes = row_size * rows;

        const uint64_t offset_at = cursor.position();
        info.offset = cursor.read<uint64_t>(field + " offset");
        if (info.offset % alignment_ != 0) {
            throw gguf_error(gguf_error_code::bad_offset, field, offset_at,
                             field + ": data offset " + std::to_string(info.offset) + " is not a multiple of the alignment " +
                                 std::to_string(alignment_));
        }

        if (!tensor_index_.emplace(info.name, tensors_.size()).second) {
            throw gguf_error(gguf_error_code::bad_tensor_name, field, info.record_offset,
                             field + " appears more than once");
        }
        tensors_.push_back(info);
    }
}

void gguf_file::place_tensors() {
    const uint64_t data_size = size_ - std::min(size_, data_offset_);
    for (gguf_tensor_info& info : tensors_) {
        if (info.offset > data_size || info.n_bytes > data_size - info.offset) {
            // Offset of the record's offset field: name prefix + name + n_dims + dims + type.
            const uint64_t offset_field = info.record_offset + 8 + info.name.size() + 4 + 8ull * info.n_dims + 4;
            throw gguf_error(gguf_error_code::bad_offset, "tensor " + quoted(info.name), offset_field,
                             "tensor " + quoted(info.name) + ": data [" + std::to_string(data_offset_ + info.offset) + ", +" +
                                 std::to_string(info.n_bytes) + ") lies outside the file (" + std::to_string(size_) +
                                 " bytes)");
        }
        info.data = bytes_ + data_offset_ + info.offset;
    }

    std::vector<const gguf_tensor_info*> by_offset;
    by_offset.reserve(tensors_.size());
    for (const gguf_tensor_info& info : tensors_) by_offset.push_back(&info);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const gguf_tensor_info* a, const gguf_tensor_info* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
        const gguf_tensor_info& prev = *by_offset[i - 1];
        const gguf_tensor_info& next = *by_offset[i];
        if (prev.offset + prev.n_bytes > next.offset) {
            throw gguf_error(gguf_error_code::tensor_overlap, "tensor " + quoted(next.name), next.record_offset,
                             "tensors " + quoted(prev.name) + " and " + quoted(next.name) + " overlap in the data section");
        }
    }
}

const gguf_kv* gguf_file::find(std::string_view key) const {
    auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kvs_[it->second];
}

const gguf_tensor_info* gguf_file::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const gguf_tensor_info& gguf_file::require_tensor(std::string_view name) const {
    const gguf_tensor_info* info = find_tensor(name);
    if (info == nullptr) {
        throw gguf_error(gguf_error_code::not_found, "tensor " + quoted(name), 0, "tensor " + quoted(name) + " is missing");
    }
    return *info;
}

const gguf_kv& gguf_file::require_kv(std::string_view key) const {
    const gguf_kv* kv = find(key);
    if (kv == nullptr) {
        throw gguf_error(gguf_error_code::missing_key, std::string(key), 0, "required metadata " + quoted(key) + " is missing");
    }
    return *kv;
}

void gguf_file::wrong_type(const gguf_kv& kv, const char* wanted) const {
    throw gguf_error(gguf_error_code::wrong_type, std::string(kv.key), kv.payload_offset,
                     "metadata " + quoted(kv.key) + " has type " + gguf_value_type_name(kv.type) + ", expected " + wanted);
}

int64_t gguf_file::read_int(const gguf_kv& kv) const {
    const uint8_t* p = bytes_ + kv.payload_offset;
    auto load = [p](auto value) {
        std::memcpy(&value, p, sizeof(value));
        return value;
    };
    switch (kv.type) {
        case gguf_value_type::uint8: return load(uint8_t{});
        case gguf_value_type::int8: return load(int8_t{});
        case gguf_value_type::uint16: return load(uint16_t{});
        case gguf_value_type::int16: return load(int16_t{});
        case gguf_value_type::uint32: return load(uint32_t{});
        case gguf_value_type::int32: return load(int32_t{});
        case gguf_value_type::int64: return load(int64_t{});
        case gguf_value_type::uint64: {
            const uint64_t v = load(uint64_t{});
            if (v > max_signed) wrong_type(kv, "an integer below 2^63");
            return static_cast<int64_t>(v);
        }
        default: wrong_type(kv, "an integer");
    }
}

uint64_t gguf_file::read_uint64_bits(const gguf_kv& kv) const {
    if (kv.type != gguf_value_type::uint64 && kv.type != gguf_value_type::int64) wrong_type(kv, "a 64-bit integer");
    uint64_t v;
    std::memcpy(&v, bytes_ + kv.payload_offset, sizeof(v));
    return v;
}

double gguf_file::read_float(const gguf_kv& kv) const {
    if (kv.type == gguf_value_type::float32) {
        float v;
        std::memcpy(&v, bytes_ + kv.payload_offset, sizeof(v));
        return v;
    }
    if (kv.type == gguf_value_type::float64) {
        double v;
        std::memcpy(&v, bytes_ + kv.payload_offset, sizeof(v));
        return v;
    }
    wrong_type(kv, "a float");
}

bool gguf_file::read_bool(const gguf_kv& kv) const {
    if (kv.type != gguf_value_type::boolean) wrong_type(kv, "BOOL");
    return bytes_[kv.payload_offset] != 0;
}

std::string_view gguf_file::read_string(const gguf_kv& kv) const {
    if (kv.type != gguf_value_type::string) wrong_type(kv, "STRING");
    byte_cursor cursor(bytes_ + kv.payload_offset, size_ - kv.payload_offset); // validated while parsing
    return cursor.read_string(std::string(kv.key));
}

const uint8_t* gguf_file::array_items(const gguf_kv& kv) const {
    if (kv.type != gguf_value_type::array) wrong_type(kv, "ARRAY");
    return bytes_ + kv.payload_offset;
}

std::vector<std::string_view> gguf_file::read_string_array(const gguf_kv& kv, uint64_t start, uint64_t count) const {
    if (kv.type != gguf_value_type::array || kv.item_type != gguf_value_type::string) wrong_type(kv, "ARRAY of STRING");
    if (start > kv.item_count || count > kv.item_count - start) {
        throw gguf_error(gguf_error_code::bad_count, std::string(kv.key), kv.payload_offset,
                         "metadata " + quoted(kv.key) + ": items [" + std::to_string(start) + ", +" + std::to_string(count) +
                             ") exceed its " + std::to_string(kv.item_count) + " items");
    }
    byte_cursor cursor(bytes_ + kv.payload_offset, size_ - kv.payload_offset);
    const std::string field(kv.key);
    for (uint64_t i = 0; i < start; ++i) cursor.read_string(field);
    std::vector<std::string_view> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) items.push_back(cursor.read_string(field));
    return items;
}

uint64_t gguf_file::require_uint(std::string_view key) const {
    const gguf_kv& kv = require_kv(key);
    const int64_t v = read_int(kv);
    if (v < 0) wrong_type(kv, "a non-negative integer");
    return static_cast<uint64_t>(v);
}

uint64_t gguf_file::uint_or(std::string_view key, uint64_t fallback) const {
    return find(key) != nullptr ? require_uint(key) : fallback;
}

double gguf_file::require_float(std::string_view key) const { return read_float(require_kv(key)); }

double gguf_file::float_or(std::string_view key, double fallback) const {
    const gguf_kv* kv = find(key);
    return kv != nullptr ? read_float(*kv) : fallback;
}

bool gguf_file::bool_or(std::string_view key, bool fallback) const {
    const gguf_kv* kv = find(key);
    return kv != nullptr ? read_bool(*kv) : fallback;
}

std::string_view gguf_file::require_string(std::string_view key) const { return read_string(require_kv(key)); }

std::string_view gguf_file::string_or(std::string_view key, std::string_view fallback) const {
    const gguf_kv* kv = find(key);
    return kv != nullptr ? read_string(*kv) : fallback;
}

} // namespace llava

{
  "target_defaults": {
    "include_dirs": ["native/engine"],
    "cflags": ["-O3", "-ffp-contract=off", "-Wall", "-Wextra"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
    }
  },
  "targets": [
    {
      "target_name": "llava_avx2",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').avx2.join(' ')\")"],
      "cflags": ["-mavx2", "-mfma", "-mf16c", "-fPIC"]
    },
    {
      "target_name": "llava_avx512",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').avx512.join(' ')\")"],
      "cflags": ["-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-fPIC"]
    },
    {
      "target_name": "llava",
      "dependencies": ["llava_avx2", "llava_avx512"],
      "sources": [
        "<!@(node -p \"require('./native/sources.json').engine.join(' ')\")",
        "<!@(node -p \"require('./native/sources.json').addon.join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/addon"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}

{
  # Fallback build of the CPU backend with plain node-gyp. The source list is
  # native/sources.txt, shared with native/CMakeLists.txt.
  "targets": [
    {
      "target_name": "flock_lora",
      "sources": [
        "native/addon/addon.cpp",
        "native/addon/model.cpp",
        "native/addon/train.cpp",
        "<!@(node -e \"require('fs').readFileSync('native/sources.txt','utf8').split(/\\n/).map(l=>l.trim()).filter(l=>l&&!l.startsWith('#')).forEach(l=>console.log('native/'+l))\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include",
        "native/src",
        "native/third_party"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      }
    }
  ]
}

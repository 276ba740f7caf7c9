# Sourced by the device scripts, with $B the datassay binary. On the lent NVIDIA machines the
# Vulkan manifest names libGLX_nvidia.so.0, whose entry points fail to load without an X server
# ("Could not get 'vkCreateInstance'"); the EGL flavour of the same driver works, so when the
# default finds no adapter the loader is pointed at it (VK_DRIVER_FILES).
if "$B" devices 2>&1 | grep -q "no GPU adapter"; then
  egl_lib=$(ldconfig -p | grep -o '/[^ ]*libEGL_nvidia.so.0' | head -1)
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$egl_lib" > /tmp/nvidia_egl_icd.json
  export VK_DRIVER_FILES=/tmp/nvidia_egl_icd.json
  echo "default Vulkan ICD unusable; using $egl_lib"
fi

// The libvips functions the image service calls, as one X-macro list: `CVips.h` declares a
// pointer for each, `VipsLoader.c` defines and resolves them when libvips is opened.
#ifndef MSS_CVIPS_FUNCTIONS_H
#define MSS_CVIPS_FUNCTIONS_H

#define MSS_VIPS_FUNCTIONS(X) \
    X(vips_version) X(vips_init) X(vips_error) X(vips_error_buffer) X(vips_error_clear) \
    X(vips_block_untrusted_set) X(vips_operation_block_set) X(vips_cache_set_max) \
    X(vips_jpegload) X(vips_pngload) X(vips_webpload) X(vips_gifload) X(vips_magickload) \
    X(vips_image_get_typeof) X(vips_image_get_int) X(vips_autorot) X(vips_colourspace) X(vips_cast_uchar) \
    X(vips_extract_area) X(vips_extract_band) X(vips_bandjoin2) X(vips_resize) X(vips_rot) \
    X(vips_array_double_new) X(vips_rotate) X(vips_area_unref) X(vips_embed) X(vips_flatten) \
    X(vips_sharpen) X(vips_gaussblur) X(vips_linear) X(vips_black) X(vips_copy) X(vips_text) X(vips_composite2) \
    X(vips_jpegsave_buffer) X(vips_pngsave_buffer) X(vips_webpsave_buffer) X(vips_gifsave_buffer) \
    X(vips_magicksave_buffer) X(vips_image_new_from_memory_copy) X(vips_image_set_kill) X(vips_image_set_progress) \
    X(vips_image_new_from_image) X(vips_image_new_from_image1) X(vips_image_get_width) X(vips_image_get_height) \
    X(vips_image_get_bands) X(vips_image_hasalpha) X(vips_image_get_interpretation) X(vips_image_get_format)

/// Opens libvips once per process and resolves every function of the list; NULL once done, else
/// why it could not be (no libvips, or one without a function).
const char *mss_vips_load(void);

/// ``mss_vips_load``, ending the process with its message if libvips cannot be opened: every
/// call through the pointers goes through it, so none runs before the library is there.
void mss_vips_require(void);

#endif

// Non-variadic wrappers around the libvips calls the image service uses. Swift cannot call C
// variadic functions, and libvips takes its optional arguments as NULL-terminated name/value
// lists, so each wrapper fixes the options it needs. Every wrapper returns 0 on success and
// leaves the message in vips_error_buffer() on failure, like libvips itself.
#ifndef MSS_CVIPS_H
#define MSS_CVIPS_H

#include <vips/vips.h>

#include "CVipsFunctions.h"

// libvips is opened at its first use (`VipsLoader.c`), not linked: each function below is called
// through its pointer, after `mss_vips_require()` has made sure the library is there. Swift must
// only call the wrappers of this header, never a libvips function by name (the link fails if it
// does: nothing defines them).
#define MSS_VIPS_DECLARE(name) extern __typeof__(name) *mss_vips_##name;
MSS_VIPS_FUNCTIONS(MSS_VIPS_DECLARE)
#undef MSS_VIPS_DECLARE

#define vips_version (mss_vips_require(), *mss_vips_vips_version)
#define vips_init (mss_vips_require(), *mss_vips_vips_init)
#define vips_error (mss_vips_require(), *mss_vips_vips_error)
#define vips_error_buffer (mss_vips_require(), *mss_vips_vips_error_buffer)
#define vips_error_clear (mss_vips_require(), *mss_vips_vips_error_clear)
#define vips_block_untrusted_set (mss_vips_require(), *mss_vips_vips_block_untrusted_set)
#define vips_operation_block_set (mss_vips_require(), *mss_vips_vips_operation_block_set)
#define vips_cache_set_max (mss_vips_require(), *mss_vips_vips_cache_set_max)
#define vips_jpegload (mss_vips_require(), *mss_vips_vips_jpegload)
#define vips_pngload (mss_vips_require(), *mss_vips_vips_pngload)
#define vips_webpload (mss_vips_require(), *mss_vips_vips_webpload)
#define vips_gifload (mss_vips_require(), *mss_vips_vips_gifload)
#define vips_magickload (mss_vips_require(), *mss_vips_vips_magickload)
#define vips_image_get_typeof (mss_vips_require(), *mss_vips_vips_image_get_typeof)
#define vips_image_get_int (mss_vips_require(), *mss_vips_vips_image_get_int)
#define vips_autorot (mss_vips_require(), *mss_vips_vips_autorot)
#define vips_colourspace (mss_vips_require(), *mss_vips_vips_colourspace)
#define vips_cast_uchar (mss_vips_require(), *mss_vips_vips_cast_uchar)
#define vips_extract_area (mss_vips_require(), *mss_vips_vips_extract_area)
#define vips_extract_band (mss_vips_require(), *mss_vips_vips_extract_band)
#define vips_bandjoin2 (mss_vips_require(), *mss_vips_vips_bandjoin2)
#define vips_resize (mss_vips_require(), *mss_vips_vips_resize)
#define vips_rot (mss_vips_require(), *mss_vips_vips_rot)
#define vips_array_double_new (mss_vips_require(), *mss_vips_vips_array_double_new)
#define vips_rotate (mss_vips_require(), *mss_vips_vips_rotate)
#define vips_area_unref (mss_vips_require(), *mss_vips_vips_area_unref)
#define vips_embed (mss_vips_require(), *mss_vips_vips_embed)
#define vips_flatten (mss_vips_require(), *mss_vips_vips_flatten)
#define vips_sharpen (mss_vips_require(), *mss_vips_vips_sharpen)
#define vips_gaussblur (mss_vips_require(), *mss_vips_vips_gaussblur)
#define vips_linear (mss_vips_require(), *mss_vips_vips_linear)
#define vips_black (mss_vips_require(), *mss_vips_vips_black)
#define vips_copy (mss_vips_require(), *mss_vips_vips_copy)
#define vips_text (mss_vips_require(), *mss_vips_vips_text)
#define vips_composite2 (mss_vips_require(), *mss_vips_vips_composite2)
#define vips_jpegsave_buffer (mss_vips_require(), *mss_vips_vips_jpegsave_buffer)
#define vips_pngsave_buffer (mss_vips_require(), *mss_vips_vips_pngsave_buffer)
#define vips_webpsave_buffer (mss_vips_require(), *mss_vips_vips_webpsave_buffer)
#define vips_gifsave_buffer (mss_vips_require(), *mss_vips_vips_gifsave_buffer)
#define vips_magicksave_buffer (mss_vips_require(), *mss_vips_vips_magicksave_buffer)
#define vips_image_new_from_memory_copy (mss_vips_require(), *mss_vips_vips_image_new_from_memory_copy)
#define vips_image_set_kill (mss_vips_require(), *mss_vips_vips_image_set_kill)
#define vips_image_set_progress (mss_vips_require(), *mss_vips_vips_image_set_progress)
#define vips_image_new_from_image (mss_vips_require(), *mss_vips_vips_image_new_from_image)
#define vips_image_new_from_image1 (mss_vips_require(), *mss_vips_vips_image_new_from_image1)
#define vips_image_get_width (mss_vips_require(), *mss_vips_vips_image_get_width)
#define vips_image_get_height (mss_vips_require(), *mss_vips_vips_image_get_height)
#define vips_image_get_bands (mss_vips_require(), *mss_vips_vips_image_get_bands)
#define vips_image_hasalpha (mss_vips_require(), *mss_vips_vips_image_hasalpha)
#define vips_image_get_interpretation (mss_vips_require(), *mss_vips_vips_image_get_interpretation)
#define vips_image_get_format (mss_vips_require(), *mss_vips_vips_image_get_format)

/// Starts libvips once per process, with loaders and savers that parse untrusted formats
/// (ImageMagick, PDF, SVG...) blocked except ImageMagick's, which the caller only reaches with
/// input it has already sniffed as BMP. The operation cache is off: every request reads a
/// different object version and cached images would only hold memory.
static inline int mss_vips_start(void) {
    if (mss_vips_load()) return -1;
    if (VIPS_INIT("mss-server")) return -1;
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoadMagick", FALSE);
    vips_operation_block_set("VipsForeignSaveMagick", FALSE);
    vips_cache_set_max(0);
    return 0;
}

/// libvips' error buffer, or why libvips could not be opened.
static inline const char *mss_error_buffer(void) {
    const char *problem = mss_vips_load();
    return problem ? problem : vips_error_buffer();
}

static inline void mss_error_clear(void) {
    if (!mss_vips_load()) vips_error_clear();
}

static inline int mss_image_width(VipsImage *image) { return vips_image_get_width(image); }
static inline int mss_image_height(VipsImage *image) { return vips_image_get_height(image); }
static inline int mss_image_bands(VipsImage *image) { return vips_image_get_bands(image); }
static inline int mss_image_hasalpha(VipsImage *image) { return vips_image_hasalpha(image); }

/// Whether `image` is 8-bit sRGB already.
static inline int mss_image_is_srgb(VipsImage *image) {
    return vips_image_get_interpretation(image) == VIPS_INTERPRETATION_sRGB && vips_image_get_format(image) == VIPS_FORMAT_UCHAR;
}

/// A constant image of `image`'s size holding `n` values per pixel.
static inline VipsImage *mss_image_new_constant(VipsImage *image, const double *values, int n) {
    return vips_image_new_from_image(image, values, n);
}

/// A one-band constant image of `image`'s size.
static inline VipsImage *mss_image_new_constant1(VipsImage *image, double value) { return vips_image_new_from_image1(image, value); }

/// Source formats, in the same order as the Swift `SourceFormat` cases.
enum { MSS_JPEG = 0, MSS_PNG = 1, MSS_WEBP = 2, MSS_GIF = 3, MSS_BMP = 4 };

/// Opens `path` lazily: only the header is read until pixels are asked for. JPEG and WebP decode
/// already shrunk by `shrink` (1, 2, 4 or 8; the DCT and libwebp scale while decoding), other
/// formats ignore it. `sequential` decodes top to bottom, keeping only a few strips in memory,
/// which only pipelines that read their input in order may ask for; otherwise the whole image
/// is decoded into memory the first time any pixel is read.
static inline int mss_load(const char *path, int format, int shrink, int sequential, VipsImage **out) {
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    switch (format) {
    case MSS_JPEG: return vips_jpegload(path, out, "shrink", shrink, "access", access, NULL);
    case MSS_PNG: return vips_pngload(path, out, "access", access, NULL);
    case MSS_WEBP: return vips_webpload(path, out, "scale", 1.0 / shrink, "access", access, NULL);
    case MSS_GIF: return vips_gifload(path, out, "access", access, NULL);
    case MSS_BMP: return vips_magickload(path, out, "access", access, NULL);
    default: vips_error("mss", "unknown source format"); return -1;
    }
}

/// The EXIF orientation (1-8) a loader found, 1 when there is none.
static inline int mss_orientation(VipsImage *image) {
    int orientation = 1;
    if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) &&
        vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation)) return 1;
    return orientation >= 1 && orientation <= 8 ? orientation : 1;
}

static inline int mss_autorot(VipsImage *in, VipsImage **out) { return vips_autorot(in, out, NULL); }

static inline int mss_colourspace_srgb(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

static inline int mss_cast_uchar(VipsImage *in, VipsImage **out) { return vips_cast_uchar(in, out, NULL); }

static inline int mss_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width, int height) {
    return vips_extract_area(in, out, left, top, width, height, NULL);
}

static inline int mss_extract_band(VipsImage *in, VipsImage **out, int band, int n) {
    return vips_extract_band(in, out, band, "n", n, NULL);
}

static inline int mss_bandjoin2(VipsImage *a, VipsImage *b, VipsImage **out) { return vips_bandjoin2(a, b, out, NULL); }

static inline int mss_resize(VipsImage *in, VipsImage **out, double hscale, double vscale) {
    return vips_resize(in, out, hscale, "vscale", vscale, NULL);
}

/// Quarter turns clockwise; exact, no resampling.
static inline int mss_rot(VipsImage *in, VipsImage **out, int quarters) {
    VipsAngle angle = quarters == 1 ? VIPS_ANGLE_D90 : quarters == 2 ? VIPS_ANGLE_D180 : VIPS_ANGLE_D270;
    return vips_rot(in, out, angle, NULL);
}

/// Any angle clockwise; the uncovered corners take `background` (one value per band).
static inline int mss_rotate(VipsImage *in, VipsImage **out, double degrees, const double *background, int n) {
    VipsArrayDouble *colour = vips_array_double_new(background, n);
    int result = vips_rotate(in, out, degrees, "background", colour, NULL);
    vips_area_unref(VIPS_AREA(colour));
    return result;
}

static inline int mss_embed(VipsImage *in, VipsImage **out, int x, int y, int width, int height,
                            const double *background, int n) {
    VipsArrayDouble *colour = vips_array_double_new(background, n);
    int result = vips_embed(in, out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", colour, NULL);
    vips_area_unref(VIPS_AREA(colour));
    return result;
}

static inline int mss_flatten(VipsImage *in, VipsImage **out, const double *background, int n) {
    VipsArrayDouble *colour = vips_array_double_new(background, n);
    int result = vips_flatten(in, out, "background", colour, NULL);
    vips_area_unref(VIPS_AREA(colour));
    return result;
}

static inline int mss_sharpen(VipsImage *in, VipsImage **out, double sigma) { return vips_sharpen(in, out, "sigma", sigma, NULL); }

static inline int mss_gaussblur(VipsImage *in, VipsImage **out, double sigma) { return vips_gaussblur(in, out, sigma, NULL); }

/// out = a * in + b per band, clipped back to 8 bits.
static inline int mss_linear_uchar(VipsImage *in, VipsImage **out, const double *a, const double *b, int n) {
    VipsImage *wide = NULL;
    if (vips_linear(in, &wide, a, b, n, NULL)) return -1;
    int result = vips_cast_uchar(wide, out, NULL);
    g_object_unref(wide);
    return result;
}

/// A transparent canvas of four bands.
static inline int mss_black_rgba(VipsImage **out, int width, int height) {
    VipsImage *black = NULL;
    if (vips_black(&black, width, height, "bands", 4, NULL)) return -1;
    int result = vips_copy(black, out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
    g_object_unref(black);
    return result;
}

static inline int mss_as_srgb(VipsImage *in, VipsImage **out) {
    return vips_copy(in, out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
}

/// A one-band antialiased mask of `text`; `font` is a Pango description such as
/// "WenQuanYi Zen Hei 40", sized in pixels because dpi is 72.
static inline int mss_text(VipsImage **out, const char *text, const char *font, const char *fontfile) {
    return vips_text(out, text, "font", font, "fontfile", fontfile, "dpi", 72, NULL);
}

static inline int mss_composite_over(VipsImage *base, VipsImage *overlay, VipsImage **out, int x, int y) {
    return vips_composite2(base, overlay, out, VIPS_BLEND_MODE_OVER, "x", x, "y", y, NULL);
}

static inline int mss_jpegsave(VipsImage *in, void **buffer, size_t *length, int quality, int progressive) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "interlace", progressive, "strip", TRUE, NULL);
}

static inline int mss_pngsave(VipsImage *in, void **buffer, size_t *length) {
    return vips_pngsave_buffer(in, buffer, length, "strip", TRUE, NULL);
}

static inline int mss_webpsave(VipsImage *in, void **buffer, size_t *length, int quality) {
    return vips_webpsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, NULL);
}

static inline int mss_gifsave(VipsImage *in, void **buffer, size_t *length) {
    return vips_gifsave_buffer(in, buffer, length, NULL);
}

static inline int mss_bmpsave(VipsImage *in, void **buffer, size_t *length) {
    return vips_magicksave_buffer(in, buffer, length, "format", "bmp", NULL);
}

/// An 8-bit sRGB image over a copy of `pixels` (width x height x bands bytes).
static inline VipsImage *mss_image_from_pixels(const void *pixels, size_t length, int width, int height, int bands) {
    VipsImage *raw = vips_image_new_from_memory_copy(pixels, length, width, height, bands, VIPS_FORMAT_UCHAR);
    if (!raw) return NULL;
    VipsImage *out = NULL;
    int result = vips_copy(raw, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
    g_object_unref(raw);
    return result ? NULL : out;
}

/// The render deadline, in g_get_monotonic_time() microseconds, for the clock the eval callback reads.
static inline gint64 mss_monotonic_microseconds(void) { return g_get_monotonic_time(); }

/// libvips evaluates lazily, so the real work of a render happens inside the saver, where Swift
/// cannot look at a clock. Every image built from one with progress turned on reports its
/// evaluation through "eval" on that image, tile by tile; once the deadline has passed, killing
/// the image being computed (`progress->im`) makes the sink stop with an error at the next tile.
static inline void mss_deadline_eval(VipsImage *image, VipsProgress *progress, gpointer data) {
    if (g_get_monotonic_time() <= *(const gint64 *)data) return;
    vips_image_set_kill(image, TRUE);
    if (progress && progress->im) vips_image_set_kill(progress->im, TRUE);
}

static inline void mss_deadline_free(gpointer data, GClosure *closure) {
    (void)closure;
    g_free(data);
}

/// Stops any evaluation of `image`, or of an image later built from it, once the monotonic clock
/// passes `deadline` (microseconds). The deadline lives as long as the signal handler, which
/// goes with the image.
static inline void mss_set_deadline(VipsImage *image, gint64 deadline) {
    gint64 *stored = g_new(gint64, 1);
    *stored = deadline;
    vips_image_set_progress(image, TRUE);
    g_signal_connect_data(image, "eval", G_CALLBACK(mss_deadline_eval), stored, mss_deadline_free, (GConnectFlags)0);
}

#endif

// GLib's object system, linked directly: libvips' images are GObjects. libvips itself is not
// linked but opened at its first use (the `CVips` target), so this is what the compiler finds
// its headers through.
#ifndef MSS_CGOBJECT_SHIM_H
#define MSS_CGOBJECT_SHIM_H

#include <glib-object.h>

#endif

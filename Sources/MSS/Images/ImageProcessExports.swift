// `import MSS` brings the image grammar's types (ImageProcess, Watermark, WatermarkObject, ...)
// with it: image keys take them, so users should not need a second import.
@_exported import MSSImageProcess

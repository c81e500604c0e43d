package config

// source remembers the file a Config was parsed from and where each field
// sits in it, so that problems found after loading (building the gateway
// reads certificates, keys and environment variables) point into the file
// like validation errors do.
type source struct {
	file  string
	lines *lineIndex
}

// FieldError returns msg about field (a path such as
// "listen.tls.cert_file") as a FieldError located in the file c was parsed
// from: at the field's line, or at its nearest parent's when the field was
// left to its default. A Config built in memory has no file: the error then
// carries the field and message alone.
func (c *Config) FieldError(field, msg string) FieldError {
	fe := FieldError{Field: field, Msg: msg}
	if c.src != nil {
		fe.File = c.src.file
		fe.Line = c.src.lines.line(field)
	}
	return fe
}

package config

import (
	"path/filepath"
	"reflect"
	"strings"
)

// resolvePaths makes the relative paths of file fields (names ending in
// _file or _files, and key_files[].path) relative to the configuration
// file's directory, so a configuration and the files beside it work from
// any working directory.
func resolvePaths(cfg *Config, file string) {
	base := filepath.Dir(file)
	if base == "." || base == "" {
		return
	}
	resolveValue(reflect.ValueOf(cfg).Elem(), base)
}

func resolveValue(v reflect.Value, base string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			resolveValue(v.Elem(), base)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			resolveValue(v.Index(i), base)
		}
	case reflect.Map:
		// Map values are structs without file fields (grants).
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			f := v.Field(i)
			switch {
			case f.Kind() == reflect.String && (strings.HasSuffix(name, "_file") || (name == "path" && t == reflect.TypeOf(JWTKeyFile{}))):
				f.SetString(join(base, f.String()))
			case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String && strings.HasSuffix(name, "_files"):
				for j := 0; j < f.Len(); j++ {
					f.Index(j).SetString(join(base, f.Index(j).String()))
				}
			default:
				resolveValue(f, base)
			}
		}
	}
}

func join(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

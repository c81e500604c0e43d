package gateway

import (
	"crypto/tls"

	"github.com/rampartsec/rampart/internal/config"
)

// secretAt reads the secret of an *_env / *_file pair of fields (prefix
// "admin.token" for admin.token_env and admin.token_file) and blames the
// field that names the source when it cannot be read. The message names the
// variable or the file, never the value.
func secretAt(prefix, env, file string) (string, error) {
	v, err := secretFrom(env, file)
	if err != nil {
		return "", atField(secretField(prefix, env), err)
	}
	return v, nil
}

// secretField is the field of an *_env / *_file pair that names the source
// in use (config allows one of them).
func secretField(prefix, env string) string {
	if env != "" {
		return prefix + "_env"
	}
	return prefix + "_file"
}

// redisClientSettings reads what the Redis client needs from files and the
// environment: the password and, with store.redis.tls, the CA bundle. Serve
// uses them to connect; validate stops here (reaching Redis is the running
// system's business, not the file's).
func redisClientSettings(rc config.Redis) (password string, tc *tls.Config, err error) {
	if password, err = secretAt("store.redis.password", rc.PasswordEnv, rc.PasswordFile); err != nil {
		return "", nil, err
	}
	if !rc.TLS {
		return password, nil, nil
	}
	tc = &tls.Config{MinVersion: tls.VersionTLS12}
	if rc.CAFile != "" {
		if tc.RootCAs, err = loadCABundle("store.redis.ca_file", rc.CAFile); err != nil {
			return "", nil, err
		}
	}
	return password, tc, nil
}

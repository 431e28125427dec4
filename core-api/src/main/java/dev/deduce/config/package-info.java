/** {@link dev.deduce.config.SettingException}: a bad setting, naming its key, value, origin and what was expected. */
package dev.deduce.config;

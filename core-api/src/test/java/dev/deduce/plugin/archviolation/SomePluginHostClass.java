package dev.deduce.plugin.archviolation;

/** A stand-in plugin-host class that the runtime violation points at. */
public class SomePluginHostClass {}

package dev.deduce.store.y.archviolation;

/** A stand-in store-module class that the engine violation points at. */
public class SomeStoreClass {}

// Placeholder replaced by the shared Pulumi mock setup (see test/helpers/pulumi.ts).

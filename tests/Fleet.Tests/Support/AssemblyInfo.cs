// The tests wait on real peers far more than they compute: run more classes at once than there are cores.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]

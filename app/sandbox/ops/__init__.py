"""Operations on the simulated server's state, shared by the REST routes and by scripted actors
and tests. Each takes the `SimulatedGitHub`, validates as GitHub does (raising `ApiError` with
GitHub's status and message), changes the state and publishes the matching `SimEvent`s."""

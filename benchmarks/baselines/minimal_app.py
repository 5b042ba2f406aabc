"""The floor for CLI timings: a one-config Hydra app with the same Hydra version."""

import hydra


@hydra.main(config_path=".", config_name="minimal_config", version_base="1.3")
def main(cfg):
    print(cfg.lr)


if __name__ == "__main__":
    main()

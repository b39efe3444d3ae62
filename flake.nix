{
  description = "Declare libvirt domains, networks, storage pools and volumes from Nix (NixVirt-compatible, one static binary)";

  # zig_0_15 (0.15.2) is in nixpkgs from 25.11 on.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
      modules = import ./nix/modules { inherit self; };

      # A check made of Nix-evaluated tests (list of { name; ok; ... }):
      # prints the report, fails if anything failed.
      evalTests =
        pkgs: name: results:
        pkgs.runCommand name { } ''
          cat ${import ./tests/nix/modules/report.nix results}
          grep -q '^COUNTS [0-9]* 0$' ${import ./tests/nix/modules/report.nix results}
          touch $out
        '';
    in
    {
      packages = forSystems (
        system: pkgs: {
          nixvirt = pkgs.callPackage ./nix/package.nix { };
          default = self.packages.${system}.nixvirt;
        }
      );

      apps = forSystems (
        system: pkgs:
        let
          app = name: description: {
            type = "app";
            program = "${self.packages.${system}.nixvirt}/bin/${name}";
            meta.description = description;
          };
        in
        {
          default = app "nixvirt" "Declare, purge and apply libvirt objects";
          virtdeclare = app "virtdeclare" "Define and control one libvirt object idempotently";
          virtpurge = app "virtpurge" "Delete libvirt objects that are not declared";
        }
      );

      nixosModules.default = modules.nixos;
      homeModules.default = modules.home;

      overlays.default = final: prev: { nixvirt = final.callPackage ./nix/package.nix { }; };

      # XML generation (NixVirt's `lib`). As in NixVirt, the top level uses
      # x86_64-linux packages (templates with OVMF, writeXML with store
      # paths); `lib.<system>` has the same for each system.
      lib = import ./nix/lib { pkgs = nixpkgs.legacyPackages.x86_64-linux; }
        // forSystems (system: pkgs: import ./nix/lib { inherit pkgs; });

      checks = forSystems (
        system: pkgs: {
          package = self.packages.${system}.nixvirt;
          unit-tests = self.packages.${system}.nixvirt.overrideAttrs { doCheck = true; };
          # The pure functions behind the modules (also tests/nix/run-modules.sh).
          modules = evalTests pkgs "nixvirt-modules-tests" (import ./tests/nix/modules { });
          # lib: golden XML per case, validated against libvirt's schemas.
          lib = import ./tests/nix/lib/check.nix { inherit pkgs; };
          # The modules through nixpkgs' module system, with stubbed options.
          modules-eval = evalTests pkgs "nixvirt-modules-eval-tests" (import ./tests/nix/modules-eval { inherit lib; });
          # Enabling the NixOS module adds only the tool, the manifest and the
          # definitions (next to what any NixOS service unit has).
          nixos-closure = import ./tests/nix/modules-eval/closure.nix {
            inherit pkgs system;
            nixosSystem = lib.nixosSystem;
            module = self.nixosModules.default;
          };
        }
      );

      devShells = forSystems (
        system: pkgs: {
          default = pkgs.mkShell {
            packages = [
              pkgs.zig_0_15
              pkgs.pkg-config
              pkgs.pkgsStatic.expat # for zig build -Dsystem-expat=true
              pkgs.libvirt # libvirtd, virtqemud and virsh for tests/sandbox
              pkgs.qemu
              pkgs.nix # nix-instantiate for tests/nix
              pkgs.python3 # proto/gen.py
            ];
          };
        }
      );

      formatter = forSystems (system: pkgs: pkgs.nixfmt);
    };
}

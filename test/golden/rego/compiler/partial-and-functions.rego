# entrypoints: golden/names, golden/ages, golden/kinds
package golden

names contains u.name if some u in input.users

ages[u.name] := u.age if some u in input.users

kind(x) := "minor" if x < 18

kind(x) := "adult" if x >= 18

kinds := {name: kind(age) | some name, age in ages}
